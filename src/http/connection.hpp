#pragma once
#include <string>
#include <variant>

#include "core/asio.hpp"

namespace camgate::httpd {

using request = http::request<http::string_body>;
using response_message = http::response<http::string_body>;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// A client connection handed over by the HTTP session to a long-lived output (an
// MJPEG stream, a WebSocket): the stream (plain TCP or TLS on the same port), bytes
// already read past the request, and the request itself (a WebSocket handshake needs it).
struct connection {
  std::variant<plain_stream, tls_stream> stream;
  beast::flat_buffer buffer;
  request req;
  std::string remote_ip;
};

}  // namespace camgate::httpd
