#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "core/asio.hpp"
#include "http/connection.hpp"
#include "hub/channel.hpp"
#include "hub/latest_frame_slot.hpp"

namespace camgate::outputs {

struct mjpeg_options {
  std::chrono::seconds write_timeout{10};  // one part not drained by then: the viewer is gone
};

// A multipart/x-mixed-replace response: one JPEG part per frame, each with its own
// Content-Length. At most one part in flight and one pending (latest_frame_slot), so a
// slow viewer skips frames and never slows the camera or another viewer.
class mjpeg_session : public hub::subscriber,
                      public std::enable_shared_from_this<mjpeg_session> {
 public:
  static constexpr std::string_view boundary = "camgateframe";

  static std::shared_ptr<mjpeg_session> start(httpd::connection&& c,
                                              std::shared_ptr<hub::channel> channel,
                                              mjpeg_options options = {});
  mjpeg_session(httpd::connection&& c, std::shared_ptr<hub::channel> channel,
                mjpeg_options options);
  ~mjpeg_session() override;

  void deliver(const core::frame_ptr& f) override;
  void end(std::string_view reason) override;

 private:
  void begin();
  void pump();
  void write_done(error_code ec, std::size_t bytes);
  void watch_for_close();
  void close(std::string_view why);

  tcp::socket socket_;
  std::shared_ptr<hub::channel> channel_;
  mjpeg_options options_;
  hub::latest_frame_slot slot_;
  asio::steady_timer write_timer_;
  core::frame_ptr in_flight_;
  std::string part_header_;
  std::string head_;
  std::array<char, 512> read_buffer_{};
  std::uint64_t skipped_reported_ = 0;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace camgate::outputs
