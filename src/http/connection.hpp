#pragma once
#include <cstddef>
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

// Caps the bytes a live stream may leave unsent in the kernel (TCP_NOTSENT_LOWAT), so a
// viewer that cannot keep up shows as a write in progress and the output skips frames
// for it, instead of the kernel queueing megabytes of stale frames per viewer
// (autotuned send buffers reach 4 MB: 1,000 such viewers put the host under TCP
// memory pressure and their latency in seconds). Bytes in flight are not limited.
// 0 leaves the kernel's default. Returns false when the option could not be set.
bool limit_unsent(connection& c, std::size_t bytes);

}  // namespace camgate::httpd
