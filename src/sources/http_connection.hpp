#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/asio.hpp"

namespace camgate::sources {

// One HTTP/1.1 client connection to a camera: resolve, connect, send a GET, read the
// answer, all with deadlines. Use it from one strand; close() from that strand aborts
// whatever is pending, which is how a source stops promptly.
class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  using clock = std::chrono::steady_clock;

  // True for an address this connection must never reach (the gateway itself): checked
  // on the resolved addresses, so a name that resolves there later is refused too.
  using endpoint_guard = std::function<bool(const tcp::endpoint&)>;

  explicit http_connection(asio::any_io_executor ex, endpoint_guard guard = {});
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  // Resolves (IP literals skip the resolver) and connects within `timeout`. Every
  // address refused by the guard: asio::error::access_denied (see refused_message).
  asio::awaitable<error_code> connect(std::string host, std::uint16_t port,
                                      std::chrono::milliseconds timeout);
  asio::awaitable<error_code> send_get(std::string target, std::string host_header,
                                       std::chrono::milliseconds timeout);
  // Reads the response header only; body bytes that came with it stay in buffered().
  asio::awaitable<error_code> read_header(http::response_parser<http::empty_body>& parser,
                                          std::chrono::milliseconds timeout);
  // Reads a whole response, or the rest of one whose header a parser already holds.
  asio::awaitable<error_code> read_message(
      http::response_parser<http::vector_body<std::uint8_t>>& parser,
      std::chrono::milliseconds timeout);
  // Raw body bytes, ready by `deadline` or beast::error::timeout (which closes).
  asio::awaitable<std::size_t> read_some(std::span<std::uint8_t> into, clock::time_point deadline,
                                         error_code& ec);

  std::span<const std::uint8_t> buffered() const;
  void consume_buffered();

  void close();
  bool is_open() const;
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  endpoint_guard guard_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool closed_ = false;
  bool resolve_timed_out_ = false;
  std::uint64_t bytes_read_ = 0;
};

// What to tell a user for a connect error the guard caused.
inline constexpr const char* refused_message = "refused: that address is the gateway itself";

}  // namespace camgate::sources
