#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/identity.hpp"
#include "http/connection.hpp"

namespace camgate::httpd {

// One request as a route handler sees it: the parsed path and query, the {params}
// the route pattern captured, and who is asking (set by the authenticator).
struct request_context {
  request& req;
  std::string path;
  std::map<std::string, std::string, std::less<>> query;
  std::map<std::string, std::string, std::less<>> params;
  std::string remote_ip;
  std::optional<auth::identity> identity;
  std::int64_t token_expires_at = 0;
  bool tls = false;  // arrived over HTTPS / WSS

  std::optional<std::string_view> query_value(std::string_view name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
  std::string_view param(std::string_view name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string_view{} : std::string_view(it->second);
  }
};

}  // namespace camgate::httpd
