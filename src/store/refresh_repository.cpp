#include "store/refresh_repository.hpp"

#include "store/database.hpp"
#include "store/statement.hpp"

namespace camgate::store {
namespace {

// The family columns, then the expiry of its newest unused token.
constexpr std::string_view kFamily =
    "f.id, f.user_id, f.token_gen, f.created_at, f.expires_at, f.last_used_at, f.remote, "
    "f.revoked_at, f.reason, "
    "COALESCE((SELECT MAX(t.expires_at) FROM refresh_tokens t "
    "          WHERE t.family_id = f.id AND t.used_at IS NULL), 0)";

std::optional<std::int64_t> opt_int(const statement& s, int c) {
  if (s.column_is_null(c)) return std::nullopt;
  return s.column_int64(c);
}

refresh_family read_family(const statement& s, int c = 0) {
  refresh_family f;
  f.id = s.column_int64(c);
  f.user_id = s.column_int64(c + 1);
  f.token_gen = s.column_int64(c + 2);
  f.created_at = s.column_int64(c + 3);
  f.expires_at = s.column_int64(c + 4);
  f.last_used_at = opt_int(s, c + 5);
  f.remote = s.column_text(c + 6);
  f.revoked_at = opt_int(s, c + 7);
  if (!s.column_is_null(c + 8)) f.reason = s.column_text(c + 8);
  f.token_expires_at = s.column_int64(c + 9);
  return f;
}

}  // namespace

refresh_family refresh_repository::add_family(std::int64_t user_id, std::int64_t token_gen,
                                              std::int64_t now, std::int64_t expires_at,
                                              std::string_view remote) {
  statement s(db_,
              "INSERT INTO refresh_families (user_id, token_gen, created_at, expires_at, remote) "
              "VALUES (?, ?, ?, ?, ?) RETURNING id");
  s.bind_int64(1, user_id).bind_int64(2, token_gen).bind_int64(3, now);
  // An empty view may have no data, which SQLite would bind as NULL.
  s.bind_int64(4, expires_at).bind_text(5, remote.data() ? remote : std::string_view(""));
  s.step();
  refresh_family f;
  f.id = s.column_int64(0);
  s.step();  // to the end: commits the implicit transaction
  f.user_id = user_id;
  f.token_gen = token_gen;
  f.created_at = now;
  f.expires_at = expires_at;
  f.remote = std::string(remote);
  return f;
}

void refresh_repository::add_token(std::string_view hash, std::int64_t family_id, std::int64_t now,
                                   std::int64_t expires_at) {
  statement s(db_,
              "INSERT INTO refresh_tokens (hash, family_id, issued_at, expires_at) "
              "VALUES (?, ?, ?, ?)");
  s.bind_text(1, hash).bind_int64(2, family_id).bind_int64(3, now).bind_int64(4, expires_at);
  s.execute();
}

std::optional<refresh_token_row> refresh_repository::find(std::string_view hash) {
  statement s(db_, "SELECT t.hash, t.family_id, t.expires_at, t.used_at, " + std::string(kFamily) +
                       ", u.token_gen, u.name, u.role FROM refresh_tokens t "
                       "JOIN refresh_families f ON f.id = t.family_id "
                       "JOIN users u ON u.id = f.user_id WHERE t.hash = ?");
  s.bind_text(1, hash);
  if (!s.step()) return std::nullopt;
  refresh_token_row r;
  r.hash = s.column_text(0);
  r.family_id = s.column_int64(1);
  r.expires_at = s.column_int64(2);
  r.used_at = opt_int(s, 3);
  r.family = read_family(s, 4);
  r.user_token_gen = s.column_int64(14);
  r.user_name = s.column_text(15);
  r.user_role = s.column_text(16);
  return r;
}

std::optional<refresh_family> refresh_repository::family(std::int64_t id) {
  statement s(db_, "SELECT " + std::string(kFamily) + " FROM refresh_families f WHERE f.id = ?");
  s.bind_int64(1, id);
  if (!s.step()) return std::nullopt;
  return read_family(s);
}

bool refresh_repository::mark_used(std::string_view hash, std::int64_t now, std::string_view next) {
  statement s(db_,
              "UPDATE refresh_tokens SET used_at = ?, replaced_by = ? "
              "WHERE hash = ? AND used_at IS NULL");
  s.bind_int64(1, now).bind_text(2, next).bind_text(3, hash);
  if (s.execute() == 0) return false;
  statement f(db_,
              "UPDATE refresh_families SET last_used_at = ? "
              "WHERE id = (SELECT family_id FROM refresh_tokens WHERE hash = ?)");
  f.bind_int64(1, now).bind_text(2, hash);
  f.execute();
  return true;
}

bool refresh_repository::revoke_family(std::int64_t id, std::int64_t now, std::string_view reason) {
  statement s(db_,
              "UPDATE refresh_families SET revoked_at = ?, reason = ? "
              "WHERE id = ? AND revoked_at IS NULL");
  s.bind_int64(1, now).bind_text(2, reason).bind_int64(3, id);
  return s.execute() > 0;
}

std::int64_t refresh_repository::revoke_user(std::int64_t user_id, std::int64_t now,
                                             std::string_view reason) {
  statement s(db_,
              "UPDATE refresh_families SET revoked_at = ?, reason = ? "
              "WHERE user_id = ? AND revoked_at IS NULL");
  s.bind_int64(1, now).bind_text(2, reason).bind_int64(3, user_id);
  return s.execute();
}

std::vector<refresh_family> refresh_repository::active(std::int64_t user_id, std::int64_t now) {
  statement s(db_, "SELECT " + std::string(kFamily) +
                       " FROM refresh_families f JOIN users u ON u.id = f.user_id "
                       "WHERE f.user_id = ? AND f.revoked_at IS NULL AND f.expires_at > ? "
                       "AND f.token_gen = u.token_gen AND EXISTS (SELECT 1 FROM refresh_tokens t "
                       "WHERE t.family_id = f.id AND t.used_at IS NULL AND t.expires_at > ?) "
                       "ORDER BY f.id DESC");
  s.bind_int64(1, user_id).bind_int64(2, now).bind_int64(3, now);
  std::vector<refresh_family> out;
  while (s.step()) out.push_back(read_family(s));
  return out;
}

std::int64_t refresh_repository::prune(std::int64_t before) {
  statement f(
      db_,
      "DELETE FROM refresh_families WHERE expires_at < ? OR revoked_at < ? "
      "OR NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = refresh_families.id "
      "AND t.expires_at >= ?)");
  f.bind_int64(1, before).bind_int64(2, before).bind_int64(3, before);
  auto n = f.execute();
  statement t(db_, "DELETE FROM refresh_tokens WHERE expires_at < ?");
  t.bind_int64(1, before);
  return n + t.execute();
}

}  // namespace camgate::store
