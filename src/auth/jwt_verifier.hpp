#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/jwt_key.hpp"
#include "auth/verify_result.hpp"

namespace camgate::auth {

// What a verifier requires beyond a valid signature. The defaults suit nobody in
// particular: each user of jwt_verifier states its own.
struct jwt_rules {
  std::string noun = "token";  // in reasons: "malformed token", "ticket expired"
  std::size_t max_size = 8 * 1024;
  // When set, the header must be exactly this JSON text, encoded as we encode it; any other
  // header fails as unsupported_algorithm, "not a <noun>". For tokens only we issue.
  std::optional<std::string> exact_header;
  // Accepted "typ" values, compared as RFC 7515 4.1.9 says (case-insensitive, optional
  // "application/" prefix). A header without "typ" is accepted.
  std::vector<std::string> types = {"jwt"};
  // Name the expected algorithm and call out alg "none" in reasons: the external issuer's
  // integrators need that; our own clients never choose an algorithm.
  bool explain_algorithm = false;
  std::string issuer;    // when set, "iss" is required and must equal it
  std::string audience;  // when set, "aud" (a string or an array) is required and must hold it
  bool require_nbf = false;
  bool require_iat = false;
  // NumericDate fractions (RFC 7519 2), rounded the strict way. Our own tokens carry
  // whole seconds, so a fraction there is a forgery or a bug.
  bool fractional_dates = false;
  std::int64_t leeway_s = 0;  // clock skew tolerated on exp, nbf and iat
};

// A token whose signature, header and registered claims passed, or why not.
struct jwt_verdict {
  nlohmann::json claims;        // the payload, a JSON object; only when ok()
  std::int64_t expires_at = 0;  // "exp"
  token_error code = token_error::none;
  std::string reason;

  bool ok() const { return code == token_error::none; }
  verify_result failure() const { return refused(code, reason); }
};

// The one check of a compact JWS, for our access tokens, our stream tickets and the
// external issuer's JWTs; the services around it only map claims to identities.
//
// One path, ours: strict base64url (auth/base64url), the shape check of auth/compact_jws,
// the key's own signature check (auth/jwt_key), nlohmann::json for the two JSON parts.
// Not libjwt: 1.x lets the header choose the algorithm (alg "none" passes unsigned),
// compares HMACs with strcmp, and cannot say why it refused; decoding twice with two
// parsers is two sets of bugs and no extra safety.
//
// Order of checks, each failing with its own reason: size, shape, header (alg against the
// key, typ, crit), signature, payload JSON, iss, aud, exp, nbf, iat, then time.
// "kid", "jku", "jwk", "x5u" are never read: nothing is fetched. Thread-safe.
class jwt_verifier {
 public:
  // Throws auth::error when leeway_s is outside [0, 3600].
  jwt_verifier(jwt_key key, jwt_rules rules);

  // Throws only std::bad_alloc; every other failure is a verdict with a reason.
  jwt_verdict verify(std::string_view token, std::int64_t now_s) const;

  const jwt_key& key() const { return key_; }
  const jwt_rules& rules() const { return rules_; }

 private:
  jwt_verdict check_header(std::string_view header) const;
  jwt_verdict check_claims(nlohmann::json claims, std::int64_t now_s) const;
  jwt_verdict fail(token_error code, std::string reason) const;
  jwt_verdict malformed() const;

  jwt_key key_;
  jwt_rules rules_;
  std::string exact_header_b64_;
};

// A NumericDate (RFC 7519 2) within [0, 10^12]: an integer, or with `fractional` also a
// fraction, rounded up when `round_up` (nbf, iat) and down otherwise (exp).
std::optional<std::int64_t> numeric_date(const nlohmann::json& j, bool fractional, bool round_up);

}  // namespace camgate::auth
