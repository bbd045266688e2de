#pragma once
#include "core/asio.hpp"

namespace camgate::httpd {

using request = http::request<http::string_body>;
using response_message = http::response<http::string_body>;

// A client connection handed over by the HTTP session to a long-lived output (an
// MJPEG stream, a WebSocket): the socket, bytes already read past the request, and
// the request itself (a WebSocket handshake needs it).
struct connection {
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  request req;
};

}  // namespace camgate::httpd
