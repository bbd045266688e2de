#include "store/user_repository.hpp"

#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/statement.hpp"

namespace camgate::store {
namespace {

constexpr std::string_view kColumns = "id, name, role, password_hash, created_at, token_gen";

user read_user(const statement& s) {
  return user{s.column_int64(0), s.column_text(1),  s.column_text(2),
              s.column_text(3),  s.column_int64(4), s.column_int64(5)};
}

std::string select_where(std::string_view condition) {
  return "SELECT " + std::string(kColumns) + " FROM users WHERE " + std::string(condition);
}

}  // namespace

user user_repository::add(std::string_view name, std::string_view role,
                          std::string_view password_hash) {
  statement s(db_,
              "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) "
              "RETURNING " +
                  std::string(kColumns));
  s.bind_text(1, name).bind_text(2, role).bind_text(3, password_hash);
  s.bind_int64(4, core::unix_micros() / 1'000'000);
  try {
    s.step();
  } catch (const conflict& e) {
    throw conflict("a user named '" + std::string(name) + "' already exists", e.code());
  } catch (const error& e) {
    if (e.kind() != error_kind::check) throw;
    throw error("cannot add user '" + std::string(name) + "': unknown role '" + std::string(role) +
                    "' (expected admin, user or robot)",
                e.code());
  }
  user added = read_user(s);
  s.step();  // runs the statement to its end, which commits the implicit transaction
  return added;
}

std::optional<user> user_repository::find_by_name(std::string_view name) {
  statement s(db_, select_where("name = ?"));
  s.bind_text(1, name);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<user> user_repository::find_by_id(std::int64_t id) {
  statement s(db_, select_where("id = ?"));
  s.bind_int64(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::vector<user> user_repository::list() {
  statement s(db_, "SELECT " + std::string(kColumns) + " FROM users ORDER BY id");
  std::vector<user> out;
  while (s.step()) out.push_back(read_user(s));
  return out;
}

bool user_repository::remove(std::int64_t id) {
  statement s(db_, "DELETE FROM users WHERE id = ?");
  s.bind_int64(1, id);
  return s.execute() > 0;
}

bool user_repository::set_password(std::int64_t id, std::string_view password_hash) {
  statement s(db_, "UPDATE users SET password_hash = ? WHERE id = ?");
  s.bind_text(1, password_hash).bind_int64(2, id);
  return s.execute() > 0;
}

bool user_repository::set_role(std::int64_t id, std::string_view role) {
  statement s(db_, "UPDATE users SET role = ? WHERE id = ?");
  s.bind_text(1, role).bind_int64(2, id);
  return s.execute() > 0;
}

bool user_repository::revoke_tokens(std::int64_t id, std::int64_t gen) {
  statement s(db_, "UPDATE users SET token_gen = token_gen + 1 WHERE id = ? AND token_gen = ?");
  s.bind_int64(1, id).bind_int64(2, gen);
  return s.execute() > 0;
}

std::int64_t user_repository::count() {
  statement s(db_, "SELECT COUNT(*) FROM users");
  s.step();
  return s.column_int64(0);
}

}  // namespace camgate::store
