#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::store {

class database;

// One login's chain of refresh tokens (a "session" in the API).
struct refresh_family {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::int64_t token_gen = 0;   // the user's token generation at login
  std::int64_t created_at = 0;  // unix seconds
  std::int64_t expires_at = 0;  // absolute end, whatever the rotations
  std::optional<std::int64_t> last_used_at;
  std::string remote;  // the address that logged in
  std::optional<std::int64_t> revoked_at;
  std::optional<std::string> reason;
  // The expiry of its newest unused token (0 when none): with expires_at, when it ends.
  std::int64_t token_expires_at = 0;
};

// A stored token (by hash) with its family and its user's current state.
struct refresh_token_row {
  std::string hash;
  std::int64_t family_id = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;
  refresh_family family;
  std::int64_t user_token_gen = 0;
  std::string user_name;
  std::string user_role;
};

// refresh_families and refresh_tokens. Each call is one statement on the shared
// connection; callers that need several atomically wrap them in a store::transaction.
class refresh_repository {
 public:
  explicit refresh_repository(database& db) : db_(db) {}

  refresh_family add_family(std::int64_t user_id, std::int64_t token_gen, std::int64_t now,
                            std::int64_t expires_at, std::string_view remote);
  void add_token(std::string_view hash, std::int64_t family_id, std::int64_t now,
                 std::int64_t expires_at);
  std::optional<refresh_token_row> find(std::string_view hash);
  std::optional<refresh_family> family(std::int64_t id);
  // Marks `hash` used and replaced by `next`; false when it was used already (the first
  // use wins, so two concurrent rotations of one token cannot both succeed).
  bool mark_used(std::string_view hash, std::int64_t now, std::string_view next);
  // False when the family is gone or was revoked already.
  bool revoke_family(std::int64_t id, std::int64_t now, std::string_view reason);
  // Revokes every live family of the user; returns how many.
  std::int64_t revoke_user(std::int64_t user_id, std::int64_t now, std::string_view reason);
  // The user's families that can still be refreshed at `now`: not revoked, not past their
  // lifetime, of the user's current generation, with an unexpired newest token. Newest first.
  std::vector<refresh_family> active(std::int64_t user_id, std::int64_t now);
  // Deletes families that ended before `before` (expired, or revoked) and tokens that
  // expired before it; returns how many rows went.
  std::int64_t prune(std::int64_t before);

 private:
  database& db_;
};

}  // namespace camgate::store
