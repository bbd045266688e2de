#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/identity.hpp"
#include "auth/jwt_verifier.hpp"
#include "auth/verify_result.hpp"

namespace camgate::auth {

struct issued_token {
  std::string token;            // compact JWS, "header.payload.signature"
  std::int64_t expires_in = 0;  // seconds from issue
  std::int64_t expires_at = 0;  // unix seconds
};

// Issues and checks the gateway's access tokens: JWT, HS256 only, claims sub (user id as
// a string), name, role, gen (the user's token generation), iss, jti, iat, nbf, exp. Time is passed
// in, so callers choose the clock and tests never sleep. Thread-safe: it holds no mutable state.
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

  // Throws auth::error when the name is not valid UTF-8 (JSON cannot carry it).
  issued_token issue(const identity& who, std::int64_t now_unix) const;

  // Never throws, whatever the bytes: every failure is a result with a reason.
  verify_result verify(std::string_view token, std::int64_t now_unix) const noexcept;

  std::int64_t lifetime() const { return lifetime_; }
  const std::string& issuer() const { return verifier_.rules().issuer; }

  // Longer inputs are rejected unread; our tokens are a few hundred bytes.
  static constexpr std::size_t max_token_size = 8 * 1024;

 private:
  verify_result check(std::string_view token, std::int64_t now_unix) const;

  std::int64_t lifetime_;
  jwt_verifier verifier_;
};

}  // namespace camgate::auth
