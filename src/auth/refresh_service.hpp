#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.hpp"
#include "store/refresh_repository.hpp"

namespace camgate::store {
class audit_repository;
class database;
}  // namespace camgate::store

namespace camgate::auth {

struct refresh_options {
  std::int64_t token_ttl_s = 30 * 86400;   // one refresh token, from its issue
  std::int64_t family_ttl_s = 90 * 86400;  // a login's chain, whatever the rotations
};

struct issued_refresh {
  std::string token;  // 32 random bytes, base64url (43 characters)
  std::int64_t expires_in = 0;
  std::int64_t expires_at = 0;  // the earlier of the token's and its family's end
  std::int64_t family_id = 0;
};

enum class refresh_error { none, malformed, unknown, expired, revoked, reused };

struct rotation {
  refresh_error error = refresh_error::none;
  std::string reason;  // for the 400/401 answer
  identity who;        // the user as they are now (role, generation), on success
  issued_refresh next;
  explicit operator bool() const { return error == refresh_error::none; }
};

// Rotating refresh tokens. A login starts a family; each refresh uses its token once
// and hands out the next of the same family. Presenting a token that was already used
// means two parties hold the chain (a stolen copy): the whole family is revoked, a
// warning logged and an audit entry ("refresh-reuse") written. Only SHA-256 hashes are
// stored. A family is tied to the user's token generation: logout, a role or password
// change ends it, and deleting the user deletes it. Time is passed in. Thread-safe (the
// database serialises).
//
//   auth::refresh_service refresh(db, &audit, {cfg.auth.refresh_ttl_s, ...});
//   auto r = refresh.issue(who, now, remote);            // at login
//   if (auto next = refresh.rotate(token, now, remote)) answer(next.who, next.next);
class refresh_service {
 public:
  // Throws auth::error for a lifetime out of range.
  refresh_service(store::database& db, store::audit_repository* audit, refresh_options options);

  issued_refresh issue(const identity& who, std::int64_t now, std::string_view remote = {});
  rotation rotate(std::string_view token, std::int64_t now, std::string_view remote = {});
  // Logout: revokes the family of `token` (used or not); false when it is unknown.
  bool revoke(std::string_view token, std::int64_t now, std::string_view reason);
  std::int64_t revoke_user(std::int64_t user_id, std::int64_t now, std::string_view reason);
  std::vector<store::refresh_family> sessions(std::int64_t user_id, std::int64_t now);
  // Forgets families and tokens that ended more than a week ago.
  std::int64_t prune(std::int64_t now);

  // 43 base64url characters that decode to 32 bytes.
  static bool well_formed(std::string_view token);
  const refresh_options& options() const { return options_; }

 private:
  issued_refresh next_token(std::int64_t family_id, std::int64_t family_end, std::int64_t now);
  void report_reuse(const store::refresh_token_row& row, std::int64_t now, std::string_view remote);

  store::database& db_;
  store::refresh_repository repo_;
  store::audit_repository* audit_;
  refresh_options options_;
};

}  // namespace camgate::auth
