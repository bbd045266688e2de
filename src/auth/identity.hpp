#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camgate::auth {

enum class role { admin, user, robot };

// The names used in the database, in tokens and in the API.
inline std::string_view to_string(role r) {
  switch (r) {
    case role::admin:
      return "admin";
    case role::user:
      return "user";
    case role::robot:
      return "robot";
  }
  return "user";
}

inline std::optional<role> role_from_string(std::string_view s) {
  if (s == "admin") return role::admin;
  if (s == "user") return role::user;
  if (s == "robot") return role::robot;
  return std::nullopt;
}

// Who is making a request, once a token or a password proved it.
struct identity {
  std::int64_t user_id = 0;
  std::string name;
  auth::role role = auth::role::user;  // qualified: the member shares the type's name
  // The user's token generation the credential was issued under (claim "gen"); the
  // access index refuses it once the user's generation moved on (logout, role or
  // password change).
  std::int64_t token_gen = 1;

  bool operator==(const identity&) const = default;
};

}  // namespace camgate::auth
