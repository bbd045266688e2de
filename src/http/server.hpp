#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/asio.hpp"
#include "http/router.hpp"
#include "http/websocket_origin.hpp"

namespace camgate::httpd {

struct server_options {
  std::chrono::seconds idle_timeout{60};     // keep-alive connection without a request
  std::chrono::seconds request_timeout{30};  // to read one request or write one answer
  std::uint64_t body_limit = 1024 * 1024;    // bytes of request body
  std::uint32_t header_limit = 16 * 1024;    // bytes of request header
  std::string server_name = "camgate";
  // Set to serve HTTPS and WSS on the same port as plain HTTP: each connection's
  // first bytes tell a TLS ClientHello from a plain request.
  std::shared_ptr<ssl::context> tls;
  // Answers a request before routing when it returns one (CORS preflight); may be empty.
  std::function<std::optional<response>(const request&)> intercept;
  // Refuses WebSocket upgrades from foreign pages (cross-site WebSocket hijacking).
  websocket_origin websocket_origins;
  // Adds headers to every answer (CORS); may be empty.
  std::function<void(const request&, response_message&)> decorate;
  // Turns an exception a handler let escape into an answer (a store that is out of reach:
  // 503); empty or nullopt: 500 "internal error".
  std::function<std::optional<response>(const std::exception&)> error_answer;
  // The io_context a new connection lives on (core::io_pool::next); empty: the server's.
  std::function<asio::io_context&()> connection_context;
};

// Accepts connections and runs one coroutine per connection on its own strand:
// read a request, dispatch it through the router, write the answer (keep-alive),
// or hand the socket over to a streaming output.
class server {
 public:
  server(asio::io_context& ioc, const router& r, server_options options = {});
  ~server();

  // Binds and listens; returns the bound endpoint (port 0 picks one).
  tcp::endpoint listen(const tcp::endpoint& at);
  void start();
  void stop();  // stops accepting; connections already handed over stay
  std::uint64_t requests() const { return requests_.load(); }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);
  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream, beast::flat_buffer& buffer, std::string remote_ip);

  asio::io_context& ioc_;
  const router& router_;
  server_options options_;
  tcp::acceptor acceptor_;
  std::atomic<std::uint64_t> requests_{0};
};

}  // namespace camgate::httpd
