#include "doctor/targets.hpp"

#include "doctor/net_steps.hpp"
#include "sources/camera_url.hpp"

namespace camgate::doctor {

namespace {

bool has_scheme(std::string_view s) {
  return s.find("://") != std::string_view::npos;
}

}  // namespace

std::variant<camera_target, std::string> parse_camera_target(std::string_view text) {
  if (text.empty()) return std::string("give the camera as HOST or HOST:PORT");
  if (!has_scheme(text)) {
    // A bare IPv6 address ("::1") has colons but no port.
    auto h = sources::parse_camera_host(text);
    if (auto* host = std::get_if<sources::camera_host>(&h)) return camera_target{host->host, 80};
  }
  const std::string url = has_scheme(text) ? std::string(text) : "http://" + std::string(text);
  auto parsed = sources::parse_camera_url(url);
  if (auto* err = std::get_if<std::string>(&parsed)) return *err;
  const auto& u = std::get<sources::camera_url>(parsed);
  if (u.https) return std::string("cameras are checked over http:// (an ESP32-CAM has no TLS)");
  if (u.path != "/" && !u.path.empty())
    return "give the camera as HOST[:PORT] without a path (the doctor finds /capture and "
           "/stream itself), not \"" +
           std::string(text) + "\"";
  return camera_target{u.host, u.port};
}

std::string gateway_target::host_header() const {
  const bool default_port = port == (https ? 443 : 80);
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? h : h + ":" + std::to_string(port);
}

std::string gateway_target::url() const {
  return (https ? "https://" : "http://") + host_header() + prefix;
}

std::variant<gateway_target, std::string> parse_gateway_target(std::string_view text) {
  if (!has_scheme(text))
    return std::string("give the gateway as a URL: http://HOST:PORT or https://HOST");
  auto parsed = sources::parse_camera_url(text);
  if (auto* err = std::get_if<std::string>(&parsed)) return *err;
  const auto& u = std::get<sources::camera_url>(parsed);
  gateway_target t{u.host, u.port, u.https, u.path};
  if (t.prefix.find('?') != std::string::npos)
    return std::string("the gateway URL must not have a query");
  while (!t.prefix.empty() && t.prefix.back() == '/') t.prefix.pop_back();
  return t;
}

}  // namespace camgate::doctor
