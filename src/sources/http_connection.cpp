#include "sources/http_connection.hpp"

#include <vector>

namespace camgate::sources {

http_connection::http_connection(asio::any_io_executor ex, endpoint_guard guard)
    : guard_(std::move(guard)), resolver_(ex), stream_(ex) {}

http_connection::~http_connection() {
  close();
}

asio::awaitable<error_code> http_connection::connect(std::string host, std::uint16_t port,
                                                     std::chrono::milliseconds timeout) {
  error_code ec;
  if (closed_) co_return asio::error::operation_aborted;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    if (guard_ && guard_(tcp::endpoint(address, port))) co_return asio::error::access_denied;
    stream_.expires_after(timeout);
    co_await stream_.async_connect(tcp::endpoint(address, port),
                                   asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }
  // The resolver has no deadline of its own: a timer cancels it. `finished` keeps a
  // late timer from cancelling a later resolve.
  ec = {};
  auto finished = std::make_shared<bool>(false);
  auto timer = std::make_shared<asio::steady_timer>(stream_.get_executor(), timeout);
  timer->async_wait([weak = weak_from_this(), finished](error_code e) {
    if (e || *finished) return;
    if (auto self = weak.lock()) {
      self->resolve_timed_out_ = true;
      self->resolver_.cancel();
    }
  });
  const auto results = co_await resolver_.async_resolve(
      host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
  *finished = true;
  timer->cancel();
  if (ec == asio::error::operation_aborted && resolve_timed_out_) ec = beast::error::timeout;
  if (ec) co_return ec;
  if (closed_) co_return asio::error::operation_aborted;
  std::vector<tcp::endpoint> allowed;
  for (const auto& r : results)
    if (!guard_ || !guard_(r.endpoint())) allowed.push_back(r.endpoint());
  if (allowed.empty()) co_return asio::error::access_denied;
  stream_.expires_after(timeout);
  co_await stream_.async_connect(allowed, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<error_code> http_connection::send_get(std::string target, std::string host_header,
                                                      std::chrono::milliseconds timeout) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host_header);
  req.set(http::field::user_agent, "camgate/" CAMGATE_VERSION);
  req.set(http::field::accept, "*/*");
  error_code ec;
  stream_.expires_after(timeout);
  co_await http::async_write(stream_, req, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<error_code> http_connection::read_header(
    http::response_parser<http::empty_body>& parser, std::chrono::milliseconds timeout) {
  error_code ec;
  stream_.expires_after(timeout);
  const std::size_t n = co_await http::async_read_header(
      stream_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
  bytes_read_ += n;
  co_return ec;
}

asio::awaitable<error_code> http_connection::read_message(
    http::response_parser<http::vector_body<std::uint8_t>>& parser,
    std::chrono::milliseconds timeout) {
  error_code ec;
  stream_.expires_after(timeout);
  const std::size_t n = co_await http::async_read(stream_, buffer_, parser,
                                                  asio::redirect_error(asio::use_awaitable, ec));
  bytes_read_ += n;
  co_return ec;
}

asio::awaitable<std::size_t> http_connection::read_some(std::span<std::uint8_t> into,
                                                        clock::time_point deadline,
                                                        error_code& ec) {
  ec = {};
  stream_.expires_at(deadline);
  const std::size_t n = co_await stream_.async_read_some(
      asio::buffer(into.data(), into.size()), asio::redirect_error(asio::use_awaitable, ec));
  bytes_read_ += n;
  co_return n;
}

std::span<const std::uint8_t> http_connection::buffered() const {
  const auto data = buffer_.data();
  return {static_cast<const std::uint8_t*>(data.data()), data.size()};
}

void http_connection::consume_buffered() {
  bytes_read_ += buffer_.size();
  buffer_.consume(buffer_.size());
}

void http_connection::close() {
  closed_ = true;
  resolver_.cancel();
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

bool http_connection::is_open() const {
  return !closed_ && stream_.socket().is_open();
}

}  // namespace camgate::sources
