#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::store {

class database;

// A robot is a device: its identity is a users row with role "robot" (whose
// password_hash holds the hashed device credential) and this row makes it bookable.
struct robot_record {
  std::int64_t id = 0;
  std::string name;
  std::int64_t user_id = 0;     // the robot's own account
  std::int64_t created_at = 0;  // unix seconds
};

// The robots table. Every call is one statement on the shared connection, so it is safe
// from any thread.
class robot_repository {
 public:
  explicit robot_repository(database& db) : db_(db) {}

  // Makes the account `user_id` (role "robot") a bookable robot called `name`. Throws
  // store::conflict when the name is taken or the account already is a robot,
  // store::not_found when the account does not exist, store::error when it is not a
  // robot account.
  robot_record add(std::string_view name, std::int64_t user_id);
  std::optional<robot_record> get(std::int64_t id);
  std::optional<robot_record> find_by_name(std::string_view name);
  std::optional<robot_record> find_by_user(std::int64_t user_id);
  std::vector<robot_record> list();  // by id
  // Deletes the robot together with its account, so the device credential stops working
  // at once; its bookings go too. False when there is no such robot.
  bool remove(std::int64_t id);

 private:
  database& db_;
};

}  // namespace camgate::store
