#include "signaling/ice_servers.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <span>

#include "core/base64.hpp"

namespace camgate::signaling {

turn_credential make_turn_credential(std::string_view secret, std::string_view user,
                                     std::int64_t expires_at) {
  turn_credential c;
  c.username = std::to_string(expires_at) + ":" + std::string(user);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(c.username.data()), c.username.size(), mac, &len);
  c.credential = core::base64_encode(std::span<const std::uint8_t>(mac, len));
  return c;
}

nlohmann::json ice_servers_json(const ice_config& c, std::string_view user, std::int64_t now_s) {
  auto servers = nlohmann::json::array();
  if (!c.stun_urls.empty()) servers.push_back({{"urls", c.stun_urls}});
  if (!c.turn_urls.empty()) {
    nlohmann::json turn = {{"urls", c.turn_urls}};
    if (!c.turn_secret.empty()) {
      auto cred = make_turn_credential(c.turn_secret, user, now_s + c.turn_ttl_s);
      turn["username"] = cred.username;
      turn["credential"] = cred.credential;
    }
    servers.push_back(std::move(turn));
  }
  return {{"success", true}, {"iceServers", servers}, {"ttl", c.turn_ttl_s}};
}

}  // namespace camgate::signaling
