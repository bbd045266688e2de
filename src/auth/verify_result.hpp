#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "auth/identity.hpp"

namespace camgate::auth {

// Why a token, a ticket or an external JWT was refused: one set for all three.
enum class token_error {
  none,
  malformed,              // not three base64url parts, bad JSON, too long, wrong typ or crit
  unsupported_algorithm,  // alg is not the one the key allows (including "none")
  bad_signature,          // not signed with the key, or altered since
  bad_claims,             // a claim we need is missing, has the wrong type or value
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

inline verify_result refused(token_error code, std::string reason) {
  return verify_result{std::nullopt, 0, code, std::move(reason)};
}

// Runs `check` (a verify_result()), so that a verifier never throws whatever the bytes:
// only allocation can throw there, and a token we cannot afford to read is malformed.
template <class Check>
verify_result never_throwing(const char* malformed_reason, Check&& check) noexcept {
  try {
    return check();
  } catch (...) {
    try {
      return refused(token_error::malformed, malformed_reason);
    } catch (...) {
      return verify_result{std::nullopt, 0, token_error::malformed, {}};
    }
  }
}

}  // namespace camgate::auth
