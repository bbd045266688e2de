#include "sources/camera_control.hpp"

#include "sources/camera_url.hpp"

namespace camgate::sources {
namespace {

constexpr std::size_t kStatusBodyLimit = 64 * 1024;  // the firmware's is under 1 KiB

}  // namespace

camera_control::camera_control(camera_endpoint endpoint, std::chrono::milliseconds timeout,
                               http_connection::endpoint_guard guard)
    : host_(endpoint.host), timeout_(timeout), guard_(std::move(guard)) {
  std::uint16_t port = endpoint.port;
  const bool by_url = !endpoint.url.empty();
  if (by_url) {
    if (auto u = parse_camera_url(endpoint.url, endpoint.host, endpoint.port)) {
      host_ = u->host;
      port = u->port;
    }
  }
  // The stock firmware streams on 81 and answers /status and /control on 80: a camera
  // recorded by its stream (port 81, or a stream URL) has its settings one port below.
  // That port goes first: the firmware's stream server runs one handler at a time, so
  // while the gateway streams from it a /status there would only time out.
  if ((by_url || port == 81) && port > 1) ports_.push_back(static_cast<std::uint16_t>(port - 1));
  ports_.push_back(port);
}

std::string camera_control::url(std::uint16_t port, std::string_view target) const {
  return camera_url{host_, port, std::string(target)}.to_string();
}

asio::awaitable<camera_control::answer> camera_control::get(std::uint16_t port,
                                                            std::string target) {
  answer a;
  auto conn = std::make_shared<http_connection>(co_await asio::this_coro::executor, guard_);
  const camera_url where{host_, port, target};
  error_code ec = co_await conn->connect(host_, port, timeout_);
  if (ec) {
    a.failed =
        control_failure{control_error::unreachable,
                        "cannot connect to " + where.host_header() + ": " +
                            (ec == beast::error::timeout        ? std::string("timed out")
                             : ec == asio::error::access_denied ? std::string(refused_message)
                                                                : ec.message())};
    co_return a;
  }
  ec = co_await conn->send_get(target, where.host_header(), timeout_);
  http::response_parser<http::vector_body<std::uint8_t>> parser;
  parser.body_limit(kStatusBodyLimit);
  if (!ec) ec = co_await conn->read_message(parser, timeout_);
  conn->close();
  if (ec && !parser.is_header_done()) {
    a.failed = control_failure{
        control_error::unreachable,
        "GET " + where.to_string() + ": " +
            (ec == beast::error::timeout ? std::string("no answer in time") : ec.message())};
    co_return a;
  }
  a.status = parser.get().result_int();
  if (!ec) a.body.assign(parser.get().body().begin(), parser.get().body().end());
  co_return a;
}

asio::awaitable<std::variant<camera_status, control_failure>> camera_control::read_status() {
  std::optional<control_failure> no_answer;
  std::optional<control_failure> answered;  // an answer, but not the settings
  for (const auto port : ports_) {
    if (control_port_ && port != control_port_) continue;
    auto a = co_await get(port, "/status");
    if (a.failed) {
      no_answer = std::move(a.failed);
      continue;
    }
    auto settings = nlohmann::json::parse(a.body, nullptr, false);
    if (a.status == 200 && settings.is_object()) {
      control_port_ = port;
      co_return camera_status{std::move(settings), port};
    }
    if (!answered) {
      answered = control_failure{
          control_error::no_control,
          "GET " + url(port, "/status") +
              (a.status == 200 ? std::string(" answered something other than a JSON object")
                               : " answered HTTP " + std::to_string(a.status))};
    }
  }
  // A camera that answers somewhere is there: it lacks the API, whatever else failed.
  if (answered) co_return *answered;
  co_return no_answer.value_or(control_failure{control_error::unreachable, "no port to try"});
}

asio::awaitable<std::optional<control_failure>> camera_control::set_control(std::string_view var,
                                                                            int val) {
  if (!control_port_) {
    auto st = co_await read_status();
    if (auto* f = std::get_if<control_failure>(&st)) co_return std::move(*f);
  }
  const auto target = "/control?var=" + std::string(var) + "&val=" + std::to_string(val);
  auto a = co_await get(control_port_, target);
  if (a.failed) co_return std::move(a.failed);
  if (a.status == 200) co_return std::nullopt;
  if (a.status == 404)
    co_return control_failure{control_error::no_control,
                              "GET " + url(control_port_, target) + " answered HTTP 404"};
  co_return control_failure{control_error::rejected, "/control refused " + std::string(var) + "=" +
                                                         std::to_string(val) + " (HTTP " +
                                                         std::to_string(a.status) + ")"};
}

}  // namespace camgate::sources
