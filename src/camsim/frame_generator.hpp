#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>

#include "camsim/jpeg_encoder.hpp"
#include "camsim/test_pattern.hpp"
#include "camsim/yuv420_image.hpp"
#include "core/frame.hpp"

namespace camgate::camsim {

// The simulated camera sensor plus JPEG engine: turns a frame number into a stamped
// JPEG frame. Thread-safe (calls are serialised), but meant to be driven from one
// render thread.
class frame_generator {
 public:
  struct settings {
    int width = 1280;
    int height = 720;
    int quality = 80;    // libjpeg scale, 1-100
    bool still = false;  // the background stands still; only the frame number changes
  };

  // Draws and encodes frame `seq`. The JPEG starts with a COM segment
  // "camgate-ts=<unix µs>;seq=<seq>" holding the moment drawing began, which
  // core::jpeg::scan() reads back. The core::frame's seq() is `seq` too.
  core::frame_ptr render(const settings& s, std::uint64_t seq);

  // Time the last render() spent in the JPEG encoder alone, and drawing + encoding.
  std::int64_t last_encode_us() const { return last_encode_us_.load(std::memory_order_relaxed); }
  std::int64_t last_render_us() const { return last_render_us_.load(std::memory_order_relaxed); }

 private:
  std::mutex mutex_;
  test_pattern pattern_;
  yuv420_image image_;
  jpeg_encoder encoder_;
  std::atomic<std::int64_t> last_encode_us_{0};
  std::atomic<std::int64_t> last_render_us_{0};
};

}  // namespace camgate::camsim
