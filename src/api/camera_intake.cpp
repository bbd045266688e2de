#include "api/camera_intake.hpp"

#include "sources/camera_url.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using verdict = cameras::camera_admission::verdict;

const cameras::camera_admission& admission_of(const services& s) {
  static const cameras::camera_admission none;  // no allowed networks, no known listener
  return s.admission ? *s.admission : none;
}

}  // namespace

bool is_admin(const httpd::request_context& ctx) {
  return ctx.identity && ctx.identity->role == auth::role::admin;
}

std::variant<camera_address, httpd::response> address_from_url(const std::string& url) {
  auto parsed = sources::parse_camera_url(url);
  if (auto* err = std::get_if<std::string>(&parsed))
    return json_error(http::status::bad_request, "url: " + *err);
  const auto& u = std::get<sources::camera_url>(parsed);
  if (u.https)
    return json_error(http::status::bad_request,
                      "url: https cameras are not supported; give an http:// URL");
  return camera_address{u.host, u.port, u.to_string()};
}

std::variant<camera_address, httpd::response> address_from_host(const std::string& host,
                                                                std::uint16_t port) {
  auto parsed = sources::parse_camera_host(host);
  if (auto* err = std::get_if<std::string>(&parsed))
    return json_error(http::status::bad_request, "ip_address: " + *err);
  return camera_address{std::get<sources::camera_host>(parsed).host, port, ""};
}

asio::awaitable<admission> admit(services& s, const httpd::request_context& ctx,
                                 const camera_address& where) {
  admission out;
  const auto& gate = admission_of(s);
  const auto v = co_await gate.check(where.host, where.port, is_admin(ctx),
                                     std::chrono::milliseconds(s.config.cameras.probe_timeout_ms));
  if (v == verdict::gateway_itself) {
    out.refusal = json_error(http::status::bad_request, gate.message(v));
    co_return out;
  }
  out.existing = s.cameras.find_device(where.host, where.port);
  if (!out.existing && v == verdict::needs_admin)
    out.refusal = json_error(http::status::forbidden, gate.message(v));
  co_return out;
}

httpd::response duplicate_camera(const cameras::camera& existing) {
  return httpd::json_response(
      http::status::conflict,
      {{"success", false},
       {"error", "this device has a camera already (camera " + std::to_string(existing.record.id) +
                     "); one upstream connection per device"},
       {"camera_id", existing.record.id}});
}

std::function<bool(const tcp::endpoint&)> gateway_guard(const services& s) {
  const auto* gate = &admission_of(s);
  return [gate](const tcp::endpoint& ep) { return gate->is_gateway(ep); };
}

}  // namespace camgate::api
