#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "http/connection.hpp"
#include "signaling/direct_stream.hpp"

namespace camgate::signaling {

struct ws_channel_options {
  std::size_t max_message_bytes = 64 * 1024;   // bigger messages close the connection (1009)
  std::size_t max_queued_bytes = 1024 * 1024;  // a peer this far behind is dropped (1008)
  // Beast's WebSocket pings: sent after idle_timeout/2 without traffic; nothing heard for
  // idle_timeout closes the connection. Zero: no pings (Engine.IO pings itself).
  std::chrono::milliseconds idle_timeout{0};
};

struct ws_channel_handlers {
  std::function<void()> on_open;  // handshake done
  std::function<void(std::string&& text, bool binary)> on_message;
  std::function<void(std::string_view why)> on_closed;  // once, at the end
};

// A server WebSocket over a connection the HTTP server handed over: accepts the
// handshake, reads messages, and writes a bounded queue of text messages. Handlers run
// on the connection's strand; send() and close() are thread-safe.
class ws_channel {
 public:
  virtual ~ws_channel() = default;
  virtual void start() = 0;
  virtual void send(std::string text) = 0;
  // send() from code already running on executor() (and only from there): queued and
  // written at once, without a hop through the executor's queue.
  virtual void send_now(std::string text) = 0;
  // Sends what is queued, then the close frame.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  virtual asio::any_io_executor executor() = 0;
};

std::shared_ptr<ws_channel> make_ws_channel(httpd::connection&& c, ws_channel_options options,
                                            ws_channel_handlers handlers);

// Over a direct_socket (direct_stream.hpp): text messages go out as frames written
// straight to the socket, several in one sendmsg when they queue up.
std::shared_ptr<ws_channel> make_ws_channel(direct_socket&& socket, httpd::request req,
                                            ws_channel_options options,
                                            ws_channel_handlers handlers);

}  // namespace camgate::signaling
