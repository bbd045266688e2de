#pragma once
#include <memory>
#include <string>

#include "core/asio.hpp"
#include "http/connection.hpp"
#include "hub/channel.hpp"
#include "hub/latest_frame_slot.hpp"

namespace camgate::outputs {

enum class ws_format {
  data_url,  // the seed's text messages "data:image/jpeg;base64,..."
  binary,    // one JPEG per binary message: a third smaller, no encoding
};

// Frames over a WebSocket, latest-frame semantics as mjpeg_session.
class websocket_session : public hub::subscriber,
                          public std::enable_shared_from_this<websocket_session> {
 public:
  static std::shared_ptr<websocket_session> start(httpd::connection&& c,
                                                  std::shared_ptr<hub::channel> channel,
                                                  ws_format format);
  websocket_session(httpd::connection&& c, std::shared_ptr<hub::channel> channel,
                    ws_format format);
  ~websocket_session() override;

  void deliver(const core::frame_ptr& f) override;
  void end(std::string_view reason) override;

 private:
  void accepted(error_code ec);
  void pump();
  void write_done(error_code ec, std::size_t bytes);
  void read_next();
  void close(websocket::close_code code, std::string_view why);
  void stop();

  websocket::stream<beast::tcp_stream> ws_;
  httpd::request req_;
  std::shared_ptr<hub::channel> channel_;
  ws_format format_;
  hub::latest_frame_slot slot_;
  core::frame_ptr in_flight_;
  beast::flat_buffer read_buffer_;
  std::uint64_t skipped_reported_ = 0;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool stopped_ = false;
};

}  // namespace camgate::outputs
