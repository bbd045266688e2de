#include "auth/token_service.hpp"

#include <charconv>

#include <sodium.h>
#include <nlohmann/json.hpp>

#include "auth/error.hpp"
#include "auth/sodium_init.hpp"

namespace camgate::auth {
namespace {

using json = nlohmann::json;

// The header of every token we issue.
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

jwt_verifier make_verifier(std::string secret, std::string issuer, std::int64_t leeway) {
  if (issuer.empty()) throw error("the token issuer must not be empty");
  jwt_rules rules;
  rules.noun = "token";
  rules.max_size = token_service::max_token_size;
  rules.types = {"JWT"};
  rules.issuer = std::move(issuer);
  rules.require_nbf = true;
  rules.require_iat = true;
  rules.leeway_s = leeway;
  return jwt_verifier(jwt_key::hs256(std::move(secret), "the token secret"), std::move(rules));
}

verify_result missing_claim(std::string_view name) {
  return refused(token_error::bad_claims, "missing claim '" + std::string(name) + "'");
}

verify_result malformed_claim(std::string_view name) {
  return refused(token_error::bad_claims, "malformed claim '" + std::string(name) + "'");
}

std::optional<std::int64_t> user_id_claim(const json& j) {
  if (!j.is_string()) return std::nullopt;
  const auto& s = j.get_ref<const std::string&>();
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc{} || end != s.data() + s.size() || id <= 0) return std::nullopt;
  return id;
}

std::string random_hex(std::size_t bytes) {
  ensure_sodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  return hex;
}

}  // namespace

token_service::token_service(std::string secret, std::int64_t lifetime_seconds, std::string issuer,
                             std::int64_t leeway_seconds)
    : lifetime_(lifetime_seconds),
      verifier_(make_verifier(std::move(secret), std::move(issuer), leeway_seconds)) {
  if (lifetime_ <= 0 || lifetime_ > 366 * 86400) {
    throw error("token lifetime must be between 1 second and 366 days, got " +
                std::to_string(lifetime_));
  }
}

issued_token token_service::issue(const identity& who, std::int64_t now_unix) const {
  const std::int64_t expires_at = now_unix + lifetime_;
  const json claims = {{"iss", issuer()},       {"sub", std::to_string(who.user_id)},
                       {"name", who.name},      {"role", to_string(who.role)},
                       {"jti", random_hex(16)}, {"iat", now_unix},
                       {"nbf", now_unix},       {"exp", expires_at},
                       {"gen", who.token_gen}};
  std::string payload;
  try {
    payload = claims.dump();
  } catch (const json::type_error&) {
    throw error("cannot issue a token for user '" + who.name + "': the name is not valid UTF-8");
  }
  return issued_token{verifier_.key().sign(kHeader, payload), lifetime_, expires_at};
}

verify_result token_service::verify(std::string_view token, std::int64_t now_unix) const noexcept {
  return never_throwing("malformed token", [&] { return check(token, now_unix); });
}

// The verifier checked signature, iss, exp, nbf and iat; what is left is ours: who it is.
verify_result token_service::check(std::string_view token, std::int64_t now_unix) const {
  const jwt_verdict jwt = verifier_.verify(token, now_unix);
  if (!jwt.ok()) return jwt.failure();
  const json& claims = jwt.claims;

  for (const char* name : {"sub", "name", "role", "jti"}) {
    if (!claims.contains(name)) return missing_claim(name);
  }
  const auto user_id = user_id_claim(claims["sub"]);
  if (!user_id) return malformed_claim("sub");
  const json& name = claims["name"];
  if (!name.is_string() || name.get_ref<const std::string&>().empty()) {
    return malformed_claim("name");
  }
  const json& role_claim = claims["role"];
  const auto user_role = role_claim.is_string()
                             ? role_from_string(role_claim.get_ref<const std::string&>())
                             : std::nullopt;
  if (!user_role) return malformed_claim("role");
  const json& jti = claims["jti"];
  if (!jti.is_string() || jti.get_ref<const std::string&>().empty()) return malformed_claim("jti");

  // Tokens issued before generations existed have none: generation 1.
  std::int64_t gen = 1;
  if (const auto g = claims.find("gen"); g != claims.end()) {
    if (!g->is_number_integer() || g->get<std::int64_t>() < 1) return malformed_claim("gen");
    gen = g->get<std::int64_t>();
  }

  verify_result r;
  r.identity = identity{*user_id, name.get<std::string>(), *user_role, gen};
  r.expires_at = jwt.expires_at;
  return r;
}

}  // namespace camgate::auth
