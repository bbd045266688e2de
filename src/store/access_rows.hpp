#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace camgate::store {

class database;

// Everything the access decision needs, as stored: the in-memory access index
// (access::access_index) is built from these rows and nothing else, so another store
// (a shared database) only has to produce them.
struct access_user_row {
  std::int64_t id = 0;
  std::string name;
  std::string role;  // "admin", "user" or "robot"
  std::int64_t token_gen = 1;
};

struct access_robot_row {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
};

struct access_booking_row {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string resource_kind;  // "camera" or "robot"
  std::int64_t resource_id = 0;
  std::int64_t starts_at = 0;
  std::int64_t ends_at = 0;
};

struct access_rows {
  std::vector<access_user_row> users;
  std::vector<access_robot_row> robots;
  std::vector<access_booking_row> bookings;  // by user, resource, start
};

// Reads all of it in one read transaction, so users, robots and bookings agree with
// each other. Throws store::error.
access_rows load_access_rows(database& db);

}  // namespace camgate::store
