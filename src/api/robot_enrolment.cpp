#include "api/robot_enrolment.hpp"

#include <algorithm>
#include <stdexcept>

#include "auth/device_credential.hpp"
#include "auth/password.hpp"
#include "store/error.hpp"

namespace camgate::api {
namespace {
bool valid_name(std::string_view name) {
  // A robot's name is its peer id in signaling and appears in URLs: keep it plain.
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}
}  // namespace

enrolled_robot enrol_robot(store::user_repository& users, store::robot_repository& robots,
                           std::string_view name) {
  if (!valid_name(name))
    throw std::invalid_argument("a robot name is 1 to 64 letters, digits, '.', '_' or '-'");
  auto credential = auth::new_device_credential();
  auto account = users.add(name, "robot", auth::hash_password(credential));
  try {
    return {robots.add(name, account.id), std::move(credential)};
  } catch (...) {
    users.remove(account.id);  // no account without its robot
    throw;
  }
}

std::string renew_robot_credential(store::user_repository& users, store::robot_repository& robots,
                                   std::int64_t id) {
  auto robot = robots.get(id);
  if (!robot) throw store::not_found("no robot " + std::to_string(id));
  auto credential = auth::new_device_credential();
  users.set_password(robot->user_id, auth::hash_password(credential));
  return credential;
}

}  // namespace camgate::api
