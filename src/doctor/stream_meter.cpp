#include "doctor/stream_meter.hpp"

#include <algorithm>

#include "core/jpeg_markers.hpp"

namespace camgate::doctor {

namespace {
// The gateway's own caps (source_options::max_frame_bytes, the part header limit).
constexpr sources::multipart_limits kLimits{8 * 1024 * 1024, 16 * 1024};
}  // namespace

stream_meter::stream_meter(std::string boundary, bool chunked)
    : chunked_(chunked),
      parts_(
          boundary,
          [this](std::vector<std::uint8_t>&& jpeg, const sources::part_headers&) {
            on_part(std::move(jpeg));
          },
          kLimits) {}

void stream_meter::feed(std::span<const std::uint8_t> bytes, double now_ms) {
  now_ms_ = now_ms;
  stats_.bytes += bytes.size();
  if (stats_.framing_failed) return;
  if (chunked_) {
    if (!chunks_.feed(bytes, [&](std::span<const std::uint8_t> data) { parts_.feed(data); })) {
      stats_.framing_failed = true;
      stats_.problem = "bad chunked encoding: " + chunks_.error();
    }
  } else {
    parts_.feed(bytes);
  }
  stats_.bad_parts = parts_.skipped_invalid() + parts_.skipped_oversize();
  if (parts_.problems() > 0 && !stats_.framing_failed) stats_.problem = parts_.last_problem();
}

void stream_meter::on_part(std::vector<std::uint8_t>&& jpeg) {
  const auto size = jpeg.size();
  if (stats_.frames == 0) {
    stats_.first_frame_ms = now_ms_;
    first_ms_ = now_ms_;
    stats_.min_frame = stats_.max_frame = size;
    const auto info = core::jpeg::scan(jpeg);
    stats_.width = info.width;
    stats_.height = info.height;
    first_ = std::move(jpeg);
  }
  ++stats_.frames;
  stats_.min_frame = std::min(stats_.min_frame, size);
  stats_.max_frame = std::max(stats_.max_frame, size);
  size_sum_ += static_cast<double>(size);
  stats_.avg_frame = size_sum_ / static_cast<double>(stats_.frames);
  stats_.span_ms = now_ms_ - first_ms_;
  stats_.fps =
      stats_.span_ms > 0 ? static_cast<double>(stats_.frames - 1) * 1000 / stats_.span_ms : 0;
}

}  // namespace camgate::doctor
