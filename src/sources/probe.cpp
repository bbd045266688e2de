#include "sources/probe.hpp"

#include "sources/camera_url.hpp"

namespace camgate::sources {
namespace {

constexpr std::size_t kProbeBodyLimit = 64 * 1024;
constexpr std::size_t kProbeBodyKept = 256;

}  // namespace

probe_result::outcome classify_connect_error(const error_code& ec) {
  if (ec == asio::error::connection_refused) return probe_result::outcome::refused;
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return probe_result::outcome::timeout;
  }
  return probe_result::outcome::unreachable;  // DNS, no route, network down, ...
}

asio::awaitable<probe_result> probe(http_connection& conn, std::string host, std::uint16_t port,
                                    std::chrono::milliseconds timeout) {
  probe_result r;
  camera_url url{host, port, "/"};
  error_code ec = co_await conn.connect(host, port, timeout);
  if (ec) {
    r.result = classify_connect_error(ec);
    r.error = "cannot connect to " + url.host_header() + ": " +
              (ec == beast::error::timeout        ? std::string("timed out")
               : ec == asio::error::access_denied ? std::string(refused_message)
                                                  : ec.message());
    co_return r;
  }
  ec = co_await conn.send_get("/", url.host_header(), timeout);
  http::response_parser<http::vector_body<std::uint8_t>> parser;
  parser.body_limit(kProbeBodyLimit);
  if (!ec) ec = co_await conn.read_message(parser, timeout);
  // A big page is fine: the status and the first bytes are all a probe needs.
  const bool header_ok = parser.is_header_done() && (!ec || ec == http::error::body_limit);
  if (!header_ok) {
    r.result = ec == beast::error::timeout ? probe_result::outcome::timeout
                                           : probe_result::outcome::bad_response;
    r.error = "GET " + url.to_string() + ": " +
              (ec == beast::error::timeout ? std::string("no answer in time") : ec.message());
    co_return r;
  }
  const auto& res = parser.get();
  r.http_status = res.result_int();
  const auto& body = res.body();
  r.body.assign(body.begin(),
                body.begin() + static_cast<std::ptrdiff_t>(std::min(body.size(), kProbeBodyKept)));
  if (r.http_status / 100 == 2) {
    r.result = probe_result::outcome::ok;
  } else {
    r.result = probe_result::outcome::bad_response;
    r.error = "GET " + url.to_string() + " answered HTTP " + std::to_string(r.http_status);
  }
  co_return r;
}

asio::awaitable<probe_result> probe(std::string host, std::uint16_t port,
                                    std::chrono::milliseconds timeout,
                                    std::function<bool(const tcp::endpoint&)> refuse) {
  auto conn =
      std::make_shared<http_connection>(co_await asio::this_coro::executor, std::move(refuse));
  auto r = co_await probe(*conn, std::move(host), port, timeout);
  conn->close();
  co_return r;
}

}  // namespace camgate::sources
