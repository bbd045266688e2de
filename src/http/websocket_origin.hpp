#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/connection.hpp"
#include "http/response.hpp"

namespace camgate::httpd {

class cors_policy;

// Which pages may open a WebSocket here. Browsers send cookies with a WebSocket
// upgrade from any site and the same-origin policy does not apply to WebSockets, so
// without this check a foreign page could stream with the user's session cookie.
//
// Allowed: no Origin header (non-browser clients: camgate-robot, scripts, tests); an
// Origin whose host and port are the request's Host (same origin; http/https and
// ws/wss are not told apart, so a TLS-terminating proxy in front changes nothing); an
// origin listed in allowed_origins ([cors]). "*" there does not count: a WebSocket
// from any site would be exactly the hijacking this refuses.
//
//   httpd::websocket_origin origins({"https://clinic.example"});
//   if (auto refused = origins.check(req)) return *refused;  // 403 JSON
class websocket_origin {
 public:
  websocket_origin();  // same origin only
  // Throws std::invalid_argument for an entry that is not scheme://host[:port].
  explicit websocket_origin(const std::vector<std::string>& allowed_origins);

  bool allowed(const request& req) const;
  // nullopt when allowed, else 403 {"success": false, "error": ...}.
  std::optional<response> check(const request& req) const;

 private:
  std::shared_ptr<const cors_policy> listed_;  // null: none listed
};

}  // namespace camgate::httpd
