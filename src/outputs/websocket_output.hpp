#pragma once
#include <cstddef>
#include <memory>

#include "http/connection.hpp"
#include "hub/channel.hpp"
#include "outputs/output_session.hpp"

namespace camgate::outputs {

enum class ws_format {
  data_url,  // the seed's text messages "data:image/jpeg;base64,..."
  binary,    // one JPEG per binary message: a quarter smaller, no encoding
};

struct websocket_options {
  ws_format format = ws_format::data_url;
  output_session::closed_handler on_closed;
  std::size_t unsent_limit = 128 * 1024;  // httpd::limit_unsent: about one frame
  // Binary messages on plain TCP go out with sendfile from the frame's sealed pages
  // (outputs::page_stream); TLS and text messages are copied. config [server] zero_copy.
  bool zero_copy = true;
};

// Accepts the WebSocket handshake of `c` and sends `channel`'s frames, latest-frame
// semantics as start_mjpeg. notify() sends a text message between frames.
std::shared_ptr<output_session> start_websocket(httpd::connection&& c,
                                                std::shared_ptr<hub::channel> channel,
                                                websocket_options options);

}  // namespace camgate::outputs
