#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace camgate::auth {

enum class jws_algorithm { hs256, rs256, es256 };

// The names JWS headers use (RFC 7518 3.1): "HS256", "RS256", "ES256".
std::string_view to_string(jws_algorithm a);
// Exact and case-sensitive, as RFC 7515 4.1.1 compares "alg".
std::optional<jws_algorithm> jws_algorithm_from_string(std::string_view name);

// One verification key and the one algorithm it may be used with: the allow-list a
// token's "alg" is checked against. The token never picks a key or an algorithm, so there
// is no "none", no HS256 keyed with an RSA public key, no "jwk"/"jku"/"kid" lookup.
class jwt_key {
 public:
  static constexpr std::size_t min_secret_bytes = 32;  // RFC 7518 3.2: the hash size

  // An HMAC key, raw bytes. `what` names it in errors ("the token secret"). Throws
  // auth::error when it is shorter than min_secret_bytes.
  static jwt_key hs256(std::string secret, std::string_view what);
  // A PEM public key ("-----BEGIN PUBLIC KEY-----"): RSA of 2048 bits or more for RS256,
  // P-256 for ES256. Throws auth::error otherwise, and for a private key.
  static jwt_key public_key(jws_algorithm algorithm, const std::string& pem);

  jwt_key(const jwt_key&) = default;
  jwt_key(jwt_key&&) = default;
  jwt_key& operator=(const jwt_key&) = default;
  jwt_key& operator=(jwt_key&&) = default;
  ~jwt_key();

  jws_algorithm algorithm() const { return algorithm_; }

  // Whether `signature`, base64url as in the token, signs `signing_input` under this key.
  bool verifies(std::string_view signing_input, std::string_view signature) const;

  // "header.payload.signature" from the two JSON texts; HS256 keys only (we hold no
  // private keys). Throws auth::error for a public key.
  std::string sign(std::string_view header_json, std::string_view payload_json) const;

 private:
  explicit jwt_key(jws_algorithm a) : algorithm_(a) {}
  std::string hs256_signature(std::string_view signing_input) const;

  jws_algorithm algorithm_;
  std::string secret_;                       // HS256
  std::shared_ptr<evp_pkey_st> public_key_;  // RS256 / ES256
};

}  // namespace camgate::auth
