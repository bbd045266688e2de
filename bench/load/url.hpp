#pragma once
// "http://host:port/path" or "ws://..." split for the load generators (no TLS, no
// userinfo: they only ever talk to a gateway on this host).
#include <optional>
#include <string>
#include <string_view>

namespace camgate::bench {

struct url_parts {
  std::string host;
  std::string port;
  std::string target;
};

inline std::optional<url_parts> parse_url(std::string_view u) {
  bool known = false;
  for (std::string_view scheme : {"http://", "ws://"}) {
    if (u.starts_with(scheme)) {
      u.remove_prefix(scheme.size());
      known = true;
      break;
    }
  }
  if (!known) return std::nullopt;
  const auto slash = u.find('/');
  const auto authority = u.substr(0, slash);
  url_parts p;
  p.target = slash == std::string_view::npos ? "/" : std::string(u.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || authority.ends_with(']')) {
    p.host = std::string(authority);
    p.port = "80";
  } else {
    p.host = std::string(authority.substr(0, colon));
    p.port = std::string(authority.substr(colon + 1));
  }
  if (p.host.size() > 2 && p.host.front() == '[') p.host = p.host.substr(1, p.host.size() - 2);
  if (p.host.empty()) return std::nullopt;
  return p;
}

}  // namespace camgate::bench
