#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jwt_verifier.hpp"
#include "auth/verify_result.hpp"

namespace camgate::auth {

// How another service (the dental-AI backend, an identity provider) signs its JWTs.
struct external_jwt_config {
  std::string algorithm;                   // "HS256" | "RS256" | "ES256": the only one accepted
  std::string secret;                      // HS256: the shared key, raw bytes (at least 32)
  std::string public_key_pem;              // RS256 (RSA, 2048 bits or more) / ES256 (P-256):
                                           // "-----BEGIN PUBLIC KEY-----" (SubjectPublicKeyInfo)
  std::string issuer;                      // required: "iss" must equal it
  std::string audience;                    // required: "aud" (string or array) must contain it
  std::string user_claim = "sub";          // string (or integer) claim naming the user
  std::string role_claim = "role";         // string or array of strings; empty: everyone is a user
  std::string admin_role_value = "admin";  // the role value that makes an admin
  std::int64_t leeway_s = 30;              // clock skew tolerated on exp, nbf and iat
};

// Checks JWTs issued by another service and turns them into identities. Only the
// configured algorithm and key are ever used: the token's header chooses nothing (no
// "none", no HS256 keyed with an RSA public key, no "jwk"/"jku"/"kid" lookups). Claims:
// "exp" is required, "nbf" and "iat" honoured when present, "iss" and "aud" must match.
//
// The identity carries user_id 0 (the caller maps external names to local users if it
// wants to), the user claim as `name`, and role admin when the role claim holds
// `admin_role_value`, otherwise user. Thread-safe: it holds no mutable state.
//
//   auth::external_jwt_verifier backend({.algorithm = "RS256", .public_key_pem = pem,
//                                        .issuer = "dental-ai", .audience = "camgate"});
//   if (auto r = backend.verify(bearer, now)) serve(*r.identity); else deny(r.reason);
class external_jwt_verifier {
 public:
  // Throws auth::error when the configuration is unusable: unknown algorithm, short
  // secret, a key that is not a PEM public key of the algorithm's type, empty issuer,
  // audience or user claim, leeway outside [0, 3600].
  explicit external_jwt_verifier(external_jwt_config config);

  // Never throws, whatever the bytes: every failure is a result with a reason (see
  // jwt_verifier). On success `expires_at` is the token's "exp".
  verify_result verify(std::string_view token, std::int64_t now_s) const noexcept;

  const external_jwt_config& config() const { return config_; }

  // Longer inputs are rejected unread.
  static constexpr std::size_t max_token_size = 8 * 1024;

 private:
  verify_result check(std::string_view token, std::int64_t now_s) const;

  external_jwt_config config_;
  jwt_verifier verifier_;
};

}  // namespace camgate::auth
