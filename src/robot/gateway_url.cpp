#include "robot/gateway_url.hpp"

#include <charconv>

namespace camgate::robot {

std::string gateway_url::host_header() const {
  const bool default_port = (tls && port == "443") || (!tls && port == "80");
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? h : h + ":" + port;
}

std::optional<gateway_url> parse_gateway_url(std::string_view text) {
  gateway_url u;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  const auto scheme = text.substr(0, sep);
  if (scheme == "http" || scheme == "ws")
    u.tls = false;
  else if (scheme == "https" || scheme == "wss")
    u.tls = true;
  else
    return std::nullopt;
  auto rest = text.substr(sep + 3);
  const auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() != ':') return std::nullopt;
    if (!authority.empty()) u.port = std::string(authority.substr(1));
  } else {
    const auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
  }
  if (u.host.empty()) return std::nullopt;
  if (u.port.empty()) {
    if (authority.find(':') != std::string_view::npos) return std::nullopt;
    u.port = u.tls ? "443" : "80";
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(u.port.data(), u.port.data() + u.port.size(), port);
  if (ec != std::errc{} || p != u.port.data() + u.port.size() || port == 0 || port > 65535)
    return std::nullopt;
  if (const auto q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
  while (!path.empty() && path.back() == '/') path.pop_back();
  constexpr std::string_view sig = "/signaling";
  if (path.size() >= sig.size() && path.compare(path.size() - sig.size(), sig.size(), sig) == 0)
    path.resize(path.size() - sig.size());
  u.base_path = path;
  return u;
}

}  // namespace camgate::robot
