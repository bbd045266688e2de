#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hub/subscriber.hpp"

namespace camgate::outputs {

// A live viewer connection (MJPEG response, WebSocket) as the rest of the gateway
// controls it. All calls are thread-safe: they are posted to the session's strand.
class output_session : public hub::subscriber {
 public:
  // Called once, on the session's strand, when the session ends for any reason;
  // `why` is "closed by viewer", the reason given to finish(), ...
  using closed_handler = std::function<void(std::string_view why)>;

  // Sends a JSON text notice where the protocol can carry one (WebSocket); MJPEG has
  // no channel for it and ignores it.
  virtual void notify(std::string text) = 0;
  // Ends the stream from the gateway's side: a WebSocket gets a close frame with
  // `code` and `reason`; an MJPEG response is closed.
  virtual void finish(std::uint16_t code, std::string reason) = 0;
};

}  // namespace camgate::outputs
