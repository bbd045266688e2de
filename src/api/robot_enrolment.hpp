#pragma once
#include <string>
#include <string_view>

#include "store/robot_repository.hpp"
#include "store/user_repository.hpp"

namespace camgate::api {

struct enrolled_robot {
  store::robot_record robot;
  std::string credential;  // shown once: only its hash is stored
};

// Creates robot `name`: an account with role "robot" whose password is a new device
// credential, and the robots row that makes it bookable. Used by `camgate robot add`
// and POST /api/robots. Throws std::invalid_argument on a bad name (1 to 64 of
// A-Z a-z 0-9 . _ -), store::conflict when a user or robot has that name already.
enrolled_robot enrol_robot(store::user_repository& users, store::robot_repository& robots,
                           std::string_view name);

// A new credential for robot `id`, the old one stops working at once. Throws
// store::not_found when there is no such robot.
std::string renew_robot_credential(store::user_repository& users, store::robot_repository& robots,
                                   std::int64_t id);

}  // namespace camgate::api
