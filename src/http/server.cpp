#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include "core/text.hpp"
#include "http/query.hpp"

namespace camgate::httpd {
namespace {

// At most one Transfer-Encoding field, whose value is exactly "chunked".
bool transfer_encoding_ok(const request& req) {
  const auto n = req.count(http::field::transfer_encoding);
  if (n == 0) return true;
  if (n > 1) return false;
  return beast::iequals(core::trim(req[http::field::transfer_encoding]), "chunked");
}

// A request the server refuses before routing: answered once, then the connection closes
// (what follows it on the wire cannot be trusted to start a request).
response refusal(http::status status, const std::string& error, const std::string& server_name) {
  auto r = json_error(status, error);
  r.message.keep_alive(false);
  r.message.set(http::field::server, server_name);
  r.message.prepare_payload();
  return r;
}

}  // namespace

server::server(asio::io_context& ioc, const router& r, server_options options)
    : ioc_(ioc), router_(r), options_(std::move(options)), acceptor_(asio::make_strand(ioc)) {}

server::~server() = default;

tcp::endpoint server::listen(const tcp::endpoint& at) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  return acceptor_.local_endpoint();
}

void server::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void server::stop() {
  asio::post(acceptor_.get_executor(), [this] {
    error_code ec;
    acceptor_.close(ec);
  });
}

asio::awaitable<void> server::accept_loop() {
  for (;;) {
    error_code ec;
    // Each connection gets its own strand: its handlers never run concurrently.
    auto& ctx = options_.connection_context ? options_.connection_context() : ioc_;
    tcp::socket socket(asio::make_strand(ctx));
    co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      // Out of file descriptors and the like: pause instead of spinning.
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("http session failed: {}", ex.what());
      }
    });
  }
}

asio::awaitable<void> server::session(tcp::socket socket) {
  error_code ec;
  std::string remote_ip;
  {
    auto ep = socket.remote_endpoint(ec);
    if (!ec) remote_ip = ep.address().to_string();
  }
  plain_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  if (options_.tls) {
    stream.expires_after(options_.request_timeout);
    const bool is_tls = co_await beast::async_detect_ssl(
        stream, buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (is_tls) {
      tls_stream tls(std::move(stream), *options_.tls);
      const auto used = co_await tls.async_handshake(ssl::stream_base::server, buffer.data(),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        spdlog::debug("TLS handshake with {} failed: {}", remote_ip, ec.message());
        co_return;
      }
      buffer.consume(used);
      co_await serve(tls, buffer, std::move(remote_ip));
      co_return;
    }
  }
  co_await serve(stream, buffer, std::move(remote_ip));
}

template <typename Stream>
asio::awaitable<void> server::serve(Stream& stream, beast::flat_buffer& buffer,
                                    std::string remote_ip) {
  error_code ec;
  auto& lowest = beast::get_lowest_layer(stream);
  bool first = true;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options_.header_limit);
    parser.body_limit(options_.body_limit);
    lowest.expires_after(first ? options_.request_timeout : options_.idle_timeout);
    first = false;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof ||
        ec == ssl::error::stream_truncated)
      break;
    if (ec) {
      // Malformed or oversized request: answer once, then close.
      const auto status = ec == http::error::body_limit ? http::status::payload_too_large
                                                        : http::status::bad_request;
      auto r = refusal(status, "bad request: " + ec.message(), options_.server_name);
      lowest.expires_after(options_.request_timeout);
      co_await http::async_write(stream, r.message, asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    requests_.fetch_add(1, std::memory_order_relaxed);
    request req = parser.release();
    // Beast frames a body by chunked only when the last coding is exactly "chunked" and
    // ignores other codings: "xchunked" would leave the body to be read as the next
    // request (smuggling behind a proxy that reads it differently). One "chunked" only.
    if (!transfer_encoding_ok(req)) {
      auto r =
          refusal(http::status::bad_request,
                  "bad request: Transfer-Encoding other than \"chunked\"", options_.server_name);
      lowest.expires_after(options_.request_timeout);
      co_await http::async_write(stream, r.message, asio::redirect_error(asio::use_awaitable, ec));
      break;
    }

    const auto target = std::string_view(req.target().data(), req.target().size());
    const auto qmark = target.find('?');
    request_context ctx{req, {}, {}, {}, remote_ip, std::nullopt};
    auto path = percent_decode(target.substr(0, qmark), false);
    response res;
    if (!path || path->empty() || path->front() != '/' || path->find('\0') != std::string::npos) {
      res = json_error(http::status::bad_request, "bad request target");
    } else if (auto refused = websocket::is_upgrade(req) ? options_.websocket_origins.check(req)
                                                         : std::nullopt) {
      res = std::move(*refused);
    } else {
      ctx.path = std::move(*path);
      if (qmark != std::string_view::npos) ctx.query = parse_query(target.substr(qmark + 1));
      ctx.tls = !std::is_same_v<Stream, plain_stream>;
      try {
        if (auto early = options_.intercept ? options_.intercept(req) : std::nullopt)
          res = std::move(*early);
        else
          res = co_await router_.dispatch(ctx);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", std::string(req.method_string()), ctx.path, e.what());
        auto answer = options_.error_answer ? options_.error_answer(e) : std::nullopt;
        res = answer ? std::move(*answer)
                     : json_error(http::status::internal_server_error, "internal error");
      }
    }
    spdlog::debug("{} {} {} -> {}", remote_ip, std::string(req.method_string()), ctx.path,
                  res.takeover ? 101 : res.message.result_int());

    if (res.takeover) {
      lowest.expires_never();
      res.takeover(connection{std::move(stream), std::move(buffer), std::move(req), remote_ip});
      co_return;
    }
    const bool keep_alive = req.keep_alive() && res.message.keep_alive();
    res.message.version(req.version());
    res.message.keep_alive(keep_alive);
    res.message.set(http::field::server, options_.server_name);
    if (options_.decorate) options_.decorate(req, res.message);
    res.message.prepare_payload();
    lowest.expires_after(options_.request_timeout);
    if (req.method() == http::verb::head) {
      // Same headers as GET, no body.
      http::response<http::empty_body> head{res.message.base()};
      co_await http::async_write(stream, head, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await http::async_write(stream, res.message,
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec || !keep_alive) break;
  }
  lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace camgate::httpd
