#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/asio.hpp"
#include "hub/subscriber.hpp"

namespace camgate::outputs {

// A live viewer connection (MJPEG response, WebSocket) as the rest of the gateway
// controls it. All calls are thread-safe: they are posted to the session's strand.
class output_session : public hub::subscriber {
 public:
  // Called once, on the session's strand, when the session ends for any reason: `why`
  // is the reason given to end(), else viewer_closed (the viewer left, a write failed or
  // timed out, finish()).
  using closed_handler = std::function<void(core::end_reason why)>;

  // Sends a JSON text notice where the protocol can carry one (WebSocket); MJPEG has
  // no channel for it and ignores it.
  virtual void notify(std::string text) = 0;
  // (end(why), from hub::subscriber, ends the stream for a reason the viewer is told: a
  // WebSocket gets websocket_close_code(why) and to_string(why); MJPEG is closed.)
  // Ends the stream for a failure that is no end_reason: a WebSocket close frame with
  // `code` and `reason`; an MJPEG response is closed.
  virtual void finish(std::uint16_t code, std::string reason) = 0;
};

// The io_context under a connection's executor (a strand on one io_context, as
// httpd::server makes them), for hub::subscriber::home(): core::io_pool runs each context
// on one thread. nullptr for any other executor: frames are then posted per viewer.
inline asio::io_context* single_thread_home(const asio::any_io_executor& ex) {
  if (const auto* strand = ex.target<asio::strand<asio::io_context::executor_type>>())
    return &strand->get_inner_executor().context();
  return nullptr;
}

}  // namespace camgate::outputs
