#include "auth/external_jwt_verifier.hpp"

#include <nlohmann/json.hpp>

#include "auth/error.hpp"

namespace camgate::auth {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxNameBytes = 256;

verify_result missing_claim(std::string_view name) {
  return refused(token_error::bad_claims, "missing claim '" + std::string(name) + "'");
}

verify_result malformed_claim(std::string_view name) {
  return refused(token_error::bad_claims, "malformed claim '" + std::string(name) + "'");
}

// A user name we are willing to put in logs and identities: printable, bounded.
std::optional<std::string> user_name_claim(const json& j) {
  if (j.is_number_integer()) return j.dump();  // some services name users by number
  if (!j.is_string()) return std::nullopt;
  const auto& s = j.get_ref<const std::string&>();
  if (s.empty() || s.size() > kMaxNameBytes) return std::nullopt;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  }
  return s;
}

jwt_verifier make_verifier(const external_jwt_config& c) {
  const auto alg = jws_algorithm_from_string(c.algorithm);
  if (!alg) {
    throw error("external JWT algorithm must be HS256, RS256 or ES256, got '" + c.algorithm + "'");
  }
  jwt_key key = *alg == jws_algorithm::hs256
                    ? jwt_key::hs256(c.secret, "the HS256 secret of the external issuer")
                    : jwt_key::public_key(*alg, c.public_key_pem);
  if (c.issuer.empty()) throw error("the external JWT issuer must not be empty");
  if (c.audience.empty()) throw error("the external JWT audience must not be empty");
  if (c.user_claim.empty()) throw error("the external JWT user claim must not be empty");
  jwt_rules rules;
  rules.noun = "token";
  rules.max_size = external_jwt_verifier::max_token_size;
  // RFC 7519 5.1 recommends "JWT"; RFC 9068 access tokens say "at+jwt".
  rules.types = {"JWT", "at+jwt"};
  rules.explain_algorithm = true;
  rules.issuer = c.issuer;
  rules.audience = c.audience;
  rules.fractional_dates = true;
  rules.leeway_s = c.leeway_s;
  return jwt_verifier(std::move(key), std::move(rules));
}

}  // namespace

external_jwt_verifier::external_jwt_verifier(external_jwt_config config)
    : config_(std::move(config)), verifier_(make_verifier(config_)) {}

verify_result external_jwt_verifier::verify(std::string_view token,
                                            std::int64_t now_s) const noexcept {
  return never_throwing("malformed token", [&] { return check(token, now_s); });
}

// The verifier checked signature, iss, aud and times; what is left is the mapping of the
// configured user and role claims to an identity.
verify_result external_jwt_verifier::check(std::string_view token, std::int64_t now_s) const {
  const jwt_verdict jwt = verifier_.verify(token, now_s);
  if (!jwt.ok()) return jwt.failure();
  const json& claims = jwt.claims;

  const auto user = claims.find(config_.user_claim);
  if (user == claims.end()) return missing_claim(config_.user_claim);
  auto name = user_name_claim(*user);
  if (!name) return malformed_claim(config_.user_claim);

  auth::role user_role = role::user;
  if (!config_.role_claim.empty()) {
    if (const auto r = claims.find(config_.role_claim); r != claims.end()) {
      const auto is_admin_value = [&](const json& v) {
        return !config_.admin_role_value.empty() &&
               v.get_ref<const std::string&>() == config_.admin_role_value;
      };
      if (r->is_string()) {
        if (is_admin_value(*r)) user_role = role::admin;
      } else if (r->is_array()) {
        for (const json& each : *r) {
          if (!each.is_string()) return malformed_claim(config_.role_claim);
          if (is_admin_value(each)) user_role = role::admin;
        }
      } else {
        return malformed_claim(config_.role_claim);
      }
    }
  }

  verify_result result;
  result.identity = identity{0, std::move(*name), user_role};
  result.expires_at = jwt.expires_at;
  return result;
}

}  // namespace camgate::auth
