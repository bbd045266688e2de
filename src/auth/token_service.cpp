#include "auth/token_service.hpp"

#include <charconv>
#include <cstdlib>
#include <memory>
#include <span>

#include <jwt.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include "auth/error.hpp"
#include "auth/sodium_init.hpp"
#include "core/base64.hpp"

namespace camgate::auth {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMinSecretBytes = 32;
// Claims beyond this (year ~33658) are nonsense; bounding them keeps time arithmetic exact.
constexpr std::int64_t kMaxTime = 1'000'000'000'000;

struct jwt_deleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

struct c_free {
  void operator()(char* p) const { std::free(p); }
};

bool is_base64url(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> base64url_decode(std::string_view s) {
  if (!is_base64url(s)) return std::nullopt;
  std::string standard(s);
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  auto bytes = core::base64_decode(standard);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  std::string s = core::base64_encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

verify_result failure(token_error code, std::string reason) {
  verify_result r;
  r.code = code;
  r.reason = std::move(reason);
  return r;
}

verify_result malformed() {
  return failure(token_error::malformed, "malformed token");
}

verify_result missing_claim(std::string_view name) {
  return failure(token_error::bad_claims, "missing claim '" + std::string(name) + "'");
}

verify_result malformed_claim(std::string_view name) {
  return failure(token_error::bad_claims, "malformed claim '" + std::string(name) + "'");
}

// A time claim: an integer within [0, kMaxTime].
std::optional<std::int64_t> time_claim(const json& j) {
  if (!j.is_number_integer()) return std::nullopt;
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMaxTime)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  const auto v = j.get<std::int64_t>();
  if (v < 0 || v > kMaxTime) return std::nullopt;
  return v;
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
    : secret_(std::move(secret)),
      lifetime_(lifetime_seconds),
      issuer_(std::move(issuer)),
      leeway_(leeway_seconds) {
  if (secret_.size() < kMinSecretBytes) {
    throw error("the token secret has " + std::to_string(secret_.size()) +
                " bytes; HS256 needs at least " + std::to_string(kMinSecretBytes));
  }
  if (lifetime_ <= 0 || lifetime_ > 366 * 86400) {
    throw error("token lifetime must be between 1 second and 366 days, got " +
                std::to_string(lifetime_));
  }
  if (leeway_ < 0 || leeway_ > 3600) {
    throw error("token leeway must be between 0 and 3600 seconds, got " + std::to_string(leeway_));
  }
  if (issuer_.empty()) throw error("the token issuer must not be empty");
  // libjwt takes C strings: an embedded NUL would silently cut these short.
  if (issuer_.find('\0') != std::string::npos) throw error("the token issuer contains a NUL");
}

issued_token token_service::issue(const identity& who, std::int64_t now_unix) const {
  ensure_sodium();
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw error("cannot create a token: out of memory");
  jwt_ptr jwt(raw);

  const std::int64_t expires_at = now_unix + lifetime_;
  const std::string sub = std::to_string(who.user_id);
  const std::string role_name(to_string(who.role));
  const std::string jti = random_hex(16);
  int rc =
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret_.data()),
                  static_cast<int>(secret_.size()));
  rc = rc != 0 ? rc : jwt_add_grant(jwt.get(), "iss", issuer_.c_str());
  rc = rc != 0 ? rc : jwt_add_grant(jwt.get(), "sub", sub.c_str());
  rc = rc != 0 ? rc : jwt_add_grant(jwt.get(), "name", who.name.c_str());
  rc = rc != 0 ? rc : jwt_add_grant(jwt.get(), "role", role_name.c_str());
  rc = rc != 0 ? rc : jwt_add_grant(jwt.get(), "jti", jti.c_str());
  rc = rc != 0 ? rc : jwt_add_grant_int(jwt.get(), "iat", now_unix);
  rc = rc != 0 ? rc : jwt_add_grant_int(jwt.get(), "nbf", now_unix);
  rc = rc != 0 ? rc : jwt_add_grant_int(jwt.get(), "exp", expires_at);
  if (rc != 0)
    throw error("cannot build a token for user '" + who.name + "' (libjwt error " +
                std::to_string(rc) + ")");

  std::unique_ptr<char, c_free> text(jwt_encode_str(jwt.get()));
  if (!text) throw error("cannot encode a token for user '" + who.name + "'");
  return issued_token{text.get(), lifetime_, expires_at};
}

verify_result token_service::verify(std::string_view token, std::int64_t now_unix) const noexcept {
  try {
    return check(token, now_unix);
  } catch (...) {
    // Only allocation can throw in check(); a token we cannot afford to read is refused.
    try {
      return malformed();
    } catch (...) {
      return verify_result{std::nullopt, 0, token_error::malformed, {}};
    }
  }
}

std::string token_service::signature_of(std::string_view signing_input) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return base64url_encode(mac);
}

verify_result token_service::check(std::string_view token, std::int64_t now_unix) const {
  if (token.empty() || token.size() > max_token_size) return malformed();

  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return malformed();
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return malformed();
  }
  const std::string_view header_part = token.substr(0, dot1);
  const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_part = token.substr(dot2 + 1);
  if (header_part.empty() || payload_part.empty() || !is_base64url(signature_part)) {
    return malformed();
  }

  // The header first, by our own reading: libjwt 1.x would accept alg "none" unsigned,
  // so it only sees a token once we know it is HS256 and signed with our key.
  const auto header_text = base64url_decode(header_part);
  if (!header_text) return malformed();
  const json header = json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return malformed();
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return malformed();
  if (alg->get_ref<const std::string&>() != "HS256") {
    return failure(token_error::unsupported_algorithm, "unsupported algorithm");
  }
  if (const auto typ = header.find("typ"); typ != header.end() && *typ != "JWT") {
    return malformed();
  }
  // We implement no JWS extension, so one marked critical must be refused (RFC 7515 4.1.11).
  if (header.contains("crit")) return malformed();

  // Constant-time comparison of the canonical encoding: libjwt 1.10 uses strcmp, which
  // leaks through timing how much of a forged signature is right.
  const std::string expected = signature_of(token.substr(0, dot2));
  if (expected.size() != signature_part.size() ||
      sodium_memcmp(expected.data(), signature_part.data(), expected.size()) != 0) {
    return failure(token_error::bad_signature, "bad signature");
  }

  const auto payload_text = base64url_decode(payload_part);
  if (!payload_text) return malformed();
  const json claims = json::parse(*payload_text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return malformed();

  for (const char* name : {"sub", "name", "role", "iss", "jti", "iat", "nbf", "exp"}) {
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
  const auto iat = time_claim(claims["iat"]);
  if (!iat) return malformed_claim("iat");
  const auto nbf = time_claim(claims["nbf"]);
  if (!nbf) return malformed_claim("nbf");
  const auto exp = time_claim(claims["exp"]);
  if (!exp) return malformed_claim("exp");

  // From here the bytes are ours; libjwt checks the token once more as a second opinion.
  // Its parser is stricter in places (no integers above INT64_MAX, payload must be an
  // object), so a refusal here is a malformed token, not a forgery.
  {
    const std::string text(token);
    jwt_t* raw = nullptr;
    const int rc =
        jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                   static_cast<int>(secret_.size()));
    const jwt_ptr decoded(raw);
    if (rc != 0 || !decoded || jwt_get_alg(decoded.get()) != JWT_ALG_HS256) return malformed();
  }

  const json& iss = claims["iss"];
  if (!iss.is_string() || iss.get_ref<const std::string&>() != issuer_) {
    return failure(token_error::wrong_issuer, "wrong issuer");
  }

  // 128-bit arithmetic: now_unix comes from the caller and may be anything.
  using wide = __int128;
  if (wide{*nbf} - now_unix > leeway_) {
    return failure(token_error::not_yet_valid, "token not yet valid");
  }
  if (wide{now_unix} - *exp >= leeway_) return failure(token_error::expired, "token expired");

  verify_result r;
  r.identity = identity{*user_id, name.get<std::string>(), *user_role};
  r.expires_at = *exp;
  return r;
}

}  // namespace camgate::auth
