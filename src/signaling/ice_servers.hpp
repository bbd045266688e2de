#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace camgate::signaling {

struct ice_config {
  std::vector<std::string> stun_urls;
  std::vector<std::string> turn_urls;
  std::string turn_secret;  // coturn `use-auth-secret` / `static-auth-secret`
  std::int64_t turn_ttl_s = 86400;
};

struct turn_credential {
  std::string username;    // "<expiry unix seconds>:<user>"
  std::string credential;  // base64(HMAC-SHA1(secret, username))
};

// coturn's time-limited credentials (the TURN REST API draft).
turn_credential make_turn_credential(std::string_view secret, std::string_view user,
                                     std::int64_t expires_at);

// {"success":true,"iceServers":[{"urls":[stun...]},{"urls":[turn...],"username":...,
// "credential":...}],"ttl":...}: the answer of GET /api/webrtc/ice-servers.
nlohmann::json ice_servers_json(const ice_config& c, std::string_view user, std::int64_t now_s);

}  // namespace camgate::signaling
