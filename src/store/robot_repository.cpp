#include "store/robot_repository.hpp"

#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/statement.hpp"

namespace camgate::store {
namespace {

constexpr std::string_view kColumns = "id, name, user_id, created_at";

robot_record read_robot(const statement& s) {
  return robot_record{s.column_int64(0), s.column_text(1), s.column_int64(2), s.column_int64(3)};
}

std::string select_where(std::string_view condition) {
  return "SELECT " + std::string(kColumns) + " FROM robots WHERE " + std::string(condition);
}

}  // namespace

robot_record robot_repository::add(std::string_view name, std::int64_t user_id) {
  statement s(db_, "INSERT INTO robots (name, user_id, created_at) VALUES (?, ?, ?) RETURNING " +
                       std::string(kColumns));
  s.bind_text(1, name).bind_int64(2, user_id).bind_int64(3, core::unix_micros() / 1'000'000);
  const std::string what = "cannot add robot '" + std::string(name) + "'";
  try {
    s.step();
  } catch (const conflict& e) {
    // Two UNIQUE columns: say which one refused.
    if (find_by_name(name))
      throw conflict("a robot named '" + std::string(name) + "' already exists", e.code());
    throw conflict(what + ": user " + std::to_string(user_id) + " already is a robot", e.code());
  } catch (const not_found& e) {
    throw not_found(what + ": user " + std::to_string(user_id) + " does not exist", e.code());
  } catch (const error& e) {
    if (e.kind() != error_kind::raised) throw;
    throw error(what + ": user " + std::to_string(user_id) +
                    " is not a robot account (create it with role robot)",
                e.code());
  }
  robot_record added = read_robot(s);
  s.step();  // runs the statement to its end, which commits the implicit transaction
  return added;
}

std::optional<robot_record> robot_repository::get(std::int64_t id) {
  statement s(db_, select_where("id = ?"));
  s.bind_int64(1, id);
  if (!s.step()) return std::nullopt;
  return read_robot(s);
}

std::optional<robot_record> robot_repository::find_by_name(std::string_view name) {
  statement s(db_, select_where("name = ?"));
  s.bind_text(1, name);
  if (!s.step()) return std::nullopt;
  return read_robot(s);
}

std::optional<robot_record> robot_repository::find_by_user(std::int64_t user_id) {
  statement s(db_, select_where("user_id = ?"));
  s.bind_int64(1, user_id);
  if (!s.step()) return std::nullopt;
  return read_robot(s);
}

std::vector<robot_record> robot_repository::list() {
  statement s(db_, "SELECT " + std::string(kColumns) + " FROM robots ORDER BY id");
  std::vector<robot_record> out;
  while (s.step()) out.push_back(read_robot(s));
  return out;
}

bool robot_repository::remove(std::int64_t id) {
  // Deleting the account cascades to the robots row, whose trigger drops its bookings.
  statement s(db_, "DELETE FROM users WHERE id = (SELECT user_id FROM robots WHERE id = ?)");
  s.bind_int64(1, id);
  return s.execute() > 0;
}

}  // namespace camgate::store
