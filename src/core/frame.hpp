#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/sealed_pages.hpp"

namespace camgate::core {

// One JPEG picture as it travels from a source to every viewer. Immutable once made
// and shared by reference count, so fan-out never copies picture bytes.
class frame {
 public:
  frame(std::vector<std::uint8_t> jpeg, std::uint64_t seq, std::int64_t received_us);

  std::span<const std::uint8_t> bytes() const { return jpeg_; }
  std::size_t size() const { return jpeg_.size(); }
  std::uint64_t seq() const { return seq_; }  // gateway's own count per camera
  // The camera's capture time (unix µs) when it stamps one, else the receipt time.
  std::int64_t capture_us() const { return capture_us_; }
  bool has_camera_timestamp() const { return has_camera_ts_; }
  std::int64_t received_us() const { return received_us_; }
  int width() const { return width_; }  // from the SOF marker; 0 when unknown
  int height() const { return height_; }

  // "data:image/jpeg;base64,..." as the seed's WebSocket sends it; encoded once per
  // frame on first use, however many viewers ask.
  const std::string& data_url() const;

  // What a protocol sends for this frame, the same bytes for every viewer, kept in sealed
  // pages for sendfile (core::sealed_pages): made by `build(*this)` once per frame on the
  // first zero-copy viewer's use. Null when pages cannot be made: the caller copies.
  enum class wire { mjpeg_part, websocket_binary };
  template <typename Build>
  const sealed_pages_ptr& pages(wire w, Build&& build) const {
    const auto i = static_cast<std::size_t>(w);
    std::call_once(pages_once_[i], [&] { pages_[i] = build(*this); });
    return pages_[i];
  }

 private:
  std::vector<std::uint8_t> jpeg_;
  std::uint64_t seq_;
  std::int64_t capture_us_;
  std::int64_t received_us_;
  bool has_camera_ts_ = false;
  int width_ = 0;
  int height_ = 0;
  mutable std::once_flag data_url_once_;
  mutable std::string data_url_;
  mutable std::array<std::once_flag, 2> pages_once_;
  mutable std::array<sealed_pages_ptr, 2> pages_;
};

using frame_ptr = std::shared_ptr<const frame>;

inline frame_ptr make_frame(std::vector<std::uint8_t> jpeg, std::uint64_t seq,
                            std::int64_t received_us) {
  return std::make_shared<const frame>(std::move(jpeg), seq, received_us);
}

}  // namespace camgate::core
