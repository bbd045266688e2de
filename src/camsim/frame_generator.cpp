#include "camsim/frame_generator.hpp"

#include "core/clock.hpp"
#include "core/jpeg_markers.hpp"

namespace camgate::camsim {

core::frame_ptr frame_generator::render(const settings& s, std::uint64_t seq) {
  std::lock_guard lock(mutex_);
  const auto capture_us = core::unix_micros();
  const auto start = core::steady_micros();
  image_.resize(s.width, s.height);
  pattern_.draw(image_, seq, s.still);
  const auto encode_start = core::steady_micros();
  const auto jpeg = encoder_.encode(image_, s.quality);
  const auto end = core::steady_micros();
  last_encode_us_.store(end - encode_start, std::memory_order_relaxed);
  last_render_us_.store(end - start, std::memory_order_relaxed);
  auto stamped = core::jpeg::with_comment(jpeg, core::jpeg::timestamp_comment(capture_us, seq));
  return core::make_frame(std::move(stamped), seq, capture_us);
}

}  // namespace camgate::camsim
