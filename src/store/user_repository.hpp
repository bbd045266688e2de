#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::store {

class database;

struct user {
  std::int64_t id = 0;
  std::string name;
  std::string role;  // "admin", "user" or "robot"
  std::string password_hash;
  std::int64_t created_at = 0;  // unix seconds
  // Tokens carry it; one with an older generation is revoked. A trigger bumps it on a
  // role or password change.
  std::int64_t token_gen = 1;
};

// The users table. Every call is one statement on the shared connection, so it is safe
// from any thread.
class user_repository {
 public:
  explicit user_repository(database& db) : db_(db) {}

  // Throws store::conflict when the name is taken, store::error for a role the schema
  // does not know.
  user add(std::string_view name, std::string_view role, std::string_view password_hash);
  std::optional<user> find_by_name(std::string_view name);
  std::optional<user> find_by_id(std::int64_t id);
  std::vector<user> list();  // by id
  // Deleting a user clears their camera selection and the creator of their cameras.
  bool remove(std::int64_t id);
  bool set_password(std::int64_t id, std::string_view password_hash);
  // Throws store::error for a role the schema does not know.
  bool set_role(std::int64_t id, std::string_view role);
  // Logs the user out everywhere: tokens of generation `gen` and older stop working.
  // False when the user is gone or `gen` is no longer current (revoked already).
  bool revoke_tokens(std::int64_t id, std::int64_t gen);
  std::int64_t count();

 private:
  database& db_;
};

}  // namespace camgate::store
