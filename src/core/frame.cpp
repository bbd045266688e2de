#include "core/frame.hpp"

#include "core/base64.hpp"
#include "core/jpeg_markers.hpp"

namespace camgate::core {

frame::frame(std::vector<std::uint8_t> jpeg, std::uint64_t seq, std::int64_t received_us)
    : jpeg_(std::move(jpeg)), seq_(seq), capture_us_(received_us), received_us_(received_us) {
  const auto info = jpeg::scan(jpeg_);
  width_ = info.width;
  height_ = info.height;
  if (info.capture_us) {
    capture_us_ = *info.capture_us;
    has_camera_ts_ = true;
  }
}

const std::string& frame::data_url() const {
  std::call_once(data_url_once_, [this] {
    static constexpr std::string_view prefix = "data:image/jpeg;base64,";
    data_url_.reserve(prefix.size() + (jpeg_.size() + 2) / 3 * 4);
    data_url_.append(prefix);
    base64_append(data_url_, jpeg_);
  });
  return data_url_;
}

}  // namespace camgate::core
