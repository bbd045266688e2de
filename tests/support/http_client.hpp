#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/asio.hpp"

namespace camgate::testing {

struct http_result {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::vector<std::string> cookies;            // every Set-Cookie, in order
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  // The Set-Cookie that sets `name` ("" when none).
  std::string cookie(const std::string& name) const {
    for (const auto& c : cookies)
      if (c.starts_with(name + "=")) return c;
    return "";
  }
};

// One blocking HTTP/1.1 request to 127.0.0.1:port (a test client, not production code).
http_result http_request(std::uint16_t port, http::verb method, const std::string& target,
                         const std::string& body = "",
                         const std::map<std::string, std::string>& headers = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Reads an MJPEG response part by part (relies on each part's Content-Length).
class mjpeg_reader {
 public:
  mjpeg_reader(std::uint16_t port, const std::string& target);
  unsigned status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  // The next JPEG, or nullopt on EOF/timeout.
  std::optional<std::string> next_frame(std::chrono::milliseconds timeout);
  std::map<std::string, std::string> last_part_headers;
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  asio::io_context ioc_;
  tcp::socket socket_;
  std::string buffer_;
  unsigned status_ = 0;
  std::string content_type_;
};

// A blocking WebSocket client for tests.
class ws_client {
 public:
  ws_client(std::uint16_t port, const std::string& target);
  ~ws_client();
  // The next message (text or binary), nullopt on close/timeout; `binary` tells which.
  std::optional<std::string> next_message(std::chrono::milliseconds timeout,
                                          bool* binary = nullptr);
  // Sends one text message (blocking); false when the connection is gone.
  bool send(const std::string& text);
  websocket::close_reason close_reason() const;
  bool closed();  // the server closed the connection (after a close frame or not)
  bool handshake_ok() const { return ok_; }
  unsigned handshake_status() const { return status_; }

 private:
  void read_next();
  asio::io_context ioc_;
  std::unique_ptr<websocket::stream<tcp::socket>> ws_;
  // A read is always pending (a cancelled WebSocket read kills the stream), and
  // next_message() takes from what it delivered.
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::string, bool>> messages_;
  bool closed_ = false;
  bool ok_ = false;
  unsigned status_ = 0;
};

}  // namespace camgate::testing
