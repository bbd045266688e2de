#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/identity.hpp"

namespace camgate::auth {

struct issued_token {
  std::string token;            // compact JWS, "header.payload.signature"
  std::int64_t expires_in = 0;  // seconds from issue
  std::int64_t expires_at = 0;  // unix seconds
};

enum class token_error {
  none,
  malformed,              // not three base64url parts, bad JSON, too long
  unsupported_algorithm,  // alg is not HS256 (including "none")
  bad_signature,          // not signed with our secret, or altered since
  bad_claims,             // a claim we need is missing or has the wrong type
  wrong_issuer,
  expired,
  not_yet_valid,
};

struct verify_result {
  std::optional<auth::identity> identity;  // set exactly when the token is valid
  std::int64_t expires_at = 0;
  token_error code = token_error::none;
  std::string reason;  // for the client, e.g. "token expired"; empty when valid

  bool ok() const { return identity.has_value(); }
  explicit operator bool() const { return ok(); }
};

// Issues and checks the gateway's access tokens: JWT, HS256 only, claims sub (user id as
// a string), name, role, iss, jti, iat, nbf, exp. Time is passed in, so callers choose
// the clock and tests never sleep. Thread-safe: it holds no mutable state.
//
//   auth::token_service tokens(auth::load_or_create_secret(data_dir));
//   auto t = tokens.issue(who, now);
//   if (auto r = tokens.verify(bearer, now)) serve(*r.identity); else deny(r.reason);
class token_service {
 public:
  // `secret` is the HMAC key as raw bytes (at least 32). `leeway_seconds` tolerates clock
  // skew between issuer and verifier on exp and nbf. Throws auth::error on a short secret
  // or a lifetime or leeway out of range.
  explicit token_service(std::string secret, std::int64_t lifetime_seconds = 3600,
                         std::string issuer = "camgate", std::int64_t leeway_seconds = 30);

  // Throws auth::error only when libjwt cannot allocate or encode.
  issued_token issue(const identity& who, std::int64_t now_unix) const;

  // Never throws, whatever the bytes: every failure is a result with a reason.
  verify_result verify(std::string_view token, std::int64_t now_unix) const noexcept;

  std::int64_t lifetime() const { return lifetime_; }
  const std::string& issuer() const { return issuer_; }

  // Longer inputs are rejected unread; our tokens are a few hundred bytes.
  static constexpr std::size_t max_token_size = 8 * 1024;

 private:
  verify_result check(std::string_view token, std::int64_t now_unix) const;
  std::string signature_of(std::string_view signing_input) const;

  std::string secret_;
  std::int64_t lifetime_;
  std::string issuer_;
  std::int64_t leeway_;
};

}  // namespace camgate::auth
