#include "auth/ticket_service.hpp"

#include <algorithm>

#include <sodium.h>
#include <nlohmann/json.hpp>

#include "auth/error.hpp"
#include "auth/hmac_sha256.hpp"

namespace camgate::auth {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kMaxTime = 1'000'000'000'000;
// Domain separation: the same gateway secret keys access tokens directly and tickets
// through this label, so neither MAC can be reused as the other.
constexpr std::string_view kKeyLabel = "camgate-ticket";
// Every ticket carries exactly this header; anything else (an access token's typ "JWT")
// is not a ticket.
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"ticket"})";

verify_result malformed() {
  return refused(token_error::malformed, "malformed ticket");
}

// Printable ASCII without spaces: resources are identifiers ("camera:3"), and such a
// string needs no escaping in JSON, URLs or logs.
bool valid_resource(std::string_view r) {
  if (r.empty() || r.size() > ticket_service::max_resource_size) return false;
  for (char c : r) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

jwt_verifier make_verifier(std::string_view gateway_secret) {
  if (gateway_secret.size() < jwt_key::min_secret_bytes) {
    throw error("the ticket secret has " + std::to_string(gateway_secret.size()) +
                " bytes; at least " + std::to_string(jwt_key::min_secret_bytes) + " are required");
  }
  sha256_mac mac = hmac_sha256(gateway_secret, kKeyLabel);
  std::string key(reinterpret_cast<const char*>(mac.data()), mac.size());
  sodium_memzero(mac.data(), mac.size());
  jwt_rules rules;
  rules.noun = "ticket";
  rules.max_size = ticket_service::max_ticket_size;
  rules.exact_header = std::string(kHeader);
  rules.types = {"ticket"};
  rules.require_iat = true;
  // Issued and checked by the same gateway clock: no leeway. Valid for [iat, exp).
  rules.leeway_s = 0;
  return jwt_verifier(jwt_key::hs256(std::move(key), "the ticket key"), std::move(rules));
}

}  // namespace

ticket_service::ticket_service(std::string_view gateway_secret, std::int64_t lifetime_s)
    : lifetime_(lifetime_s), verifier_(make_verifier(gateway_secret)) {
  if (lifetime_ <= 0 || lifetime_ > 3600) {
    throw error("ticket lifetime must be between 1 and 3600 seconds, got " +
                std::to_string(lifetime_));
  }
}

issued_token ticket_service::issue(const identity& who, std::string_view resource,
                                   std::int64_t not_after_s, std::int64_t now_s) const {
  if (!valid_resource(resource)) {
    throw error("cannot issue a ticket: the resource must be 1 to " +
                std::to_string(max_resource_size) + " printable ASCII characters");
  }
  if (now_s < 0 || now_s > kMaxTime) throw error("cannot issue a ticket: the clock is off");
  if (not_after_s <= now_s) {
    throw error("cannot issue a ticket: the token that asks for it has expired");
  }
  const std::int64_t expires_at = std::min(now_s + lifetime_, not_after_s);

  const json claims = {{"uid", who.user_id},
                       {"name", who.name},
                       {"role", to_string(who.role)},
                       {"res", resource},
                       {"gen", who.token_gen},
                       {"iat", now_s},
                       {"exp", expires_at},
                       // The session behind the ticket: a stream it opens lasts until then.
                       {"sexp", not_after_s}};
  std::string payload;
  try {
    payload = claims.dump();
  } catch (const json::type_error&) {
    throw error("cannot issue a ticket: the user name is not valid UTF-8");
  }
  return issued_token{verifier_.key().sign(kHeader, payload), expires_at - now_s, expires_at};
}

verify_result ticket_service::verify(std::string_view ticket, std::string_view resource,
                                     std::int64_t now_s) const noexcept {
  return never_throwing("malformed ticket", [&] { return check(ticket, resource, now_s); });
}

verify_result ticket_service::check(std::string_view ticket, std::string_view resource,
                                    std::int64_t now_s) const {
  const jwt_verdict jwt = verifier_.verify(ticket, now_s);
  // We signed every claim, so a wrong shape means a bug or a leaked key: refuse plainly.
  if (jwt.code == token_error::bad_claims) return malformed();
  if (!jwt.ok()) return jwt.failure();
  const json& claims = jwt.claims;

  const auto uid = claims.find("uid");
  const auto name = claims.find("name");
  const auto role_claim = claims.find("role");
  const auto res = claims.find("res");
  const auto sexp = claims.find("sexp");
  if (uid == claims.end() || !uid->is_number_integer() || uid->get<std::int64_t>() < 0 ||
      name == claims.end() || !name->is_string() || role_claim == claims.end() ||
      !role_claim->is_string() || res == claims.end() || !res->is_string() ||
      sexp == claims.end()) {
    return malformed();
  }
  const auto user_role = role_from_string(role_claim->get_ref<const std::string&>());
  const auto session_expires_at = numeric_date(*sexp, false, false);
  if (!user_role || !session_expires_at) return malformed();
  // A ticket inherits the generation of the token it was issued from (none: 1).
  std::int64_t gen = 1;
  if (const auto g = claims.find("gen"); g != claims.end()) {
    if (!g->is_number_integer() || g->get<std::int64_t>() < 1) return malformed();
    gen = g->get<std::int64_t>();
  }
  if (res->get_ref<const std::string&>() != resource) {
    return refused(token_error::bad_claims, "ticket is for another resource");
  }

  verify_result r;
  r.identity = identity{uid->get<std::int64_t>(), name->get<std::string>(), *user_role, gen};
  r.expires_at = *session_expires_at;
  return r;
}

}  // namespace camgate::auth
