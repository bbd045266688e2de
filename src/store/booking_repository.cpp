#include "store/booking_repository.hpp"

#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/statement.hpp"

namespace camgate::store {
namespace {

constexpr std::string_view kColumns =
    "id, user_id, resource_kind, resource_id, starts_at, ends_at, note, created_by, created_at";

booking read_booking(const statement& s) {
  booking b;
  b.id = s.column_int64(0);
  b.user_id = s.column_int64(1);
  b.resource_kind = s.column_text(2);
  b.resource_id = s.column_int64(3);
  b.starts_at = s.column_int64(4);
  b.ends_at = s.column_int64(5);
  b.note = s.column_text(6);
  if (!s.column_is_null(7)) b.created_by = s.column_int64(7);
  b.created_at = s.column_int64(8);
  return b;
}

std::string select_where(std::string_view condition) {
  return "SELECT " + std::string(kColumns) + " FROM bookings WHERE " + std::string(condition);
}

bool known_kind(std::string_view kind) {
  return kind == "camera" || kind == "robot";
}

// The checks the schema also makes, done first so the message can say what is wrong.
void validate(const booking& b, const std::string& what) {
  if (!known_kind(b.resource_kind)) {
    throw error(what + ": unknown resource kind '" + b.resource_kind +
                "' (expected camera or robot)");
  }
  if (b.ends_at <= b.starts_at) {
    throw error(what + ": it must end after it starts (starts_at " + std::to_string(b.starts_at) +
                ", ends_at " + std::to_string(b.ends_at) + ")");
  }
}

bool exists(database& db, std::string_view table, std::int64_t id) {
  statement s(db, "SELECT 1 FROM " + std::string(table) + " WHERE id = ?");
  s.bind_int64(1, id);
  return s.step();
}

// Turns a refused write into a message that names the missing row.
[[noreturn]] void explain(database& db, const booking& b, const std::string& what, const error& e) {
  // SQLite names neither the foreign key nor the trigger that refused: look which row is
  // missing (the lock is held, so nothing changed since the failed statement).
  if (e.kind() == error_kind::foreign_key) {
    if (!exists(db, "users", b.user_id)) {
      throw not_found(what + ": user " + std::to_string(b.user_id) + " does not exist", e.code());
    }
    if (b.created_by && !exists(db, "users", *b.created_by)) {
      throw not_found(
          what + ": its creator (user " + std::to_string(*b.created_by) + ") does not exist",
          e.code());
    }
    throw not_found(what + ": " + e.what(), e.code());
  }
  if (e.kind() == error_kind::raised) {
    throw not_found(
        what + ": " + b.resource_kind + " " + std::to_string(b.resource_id) + " does not exist",
        e.code());
  }
  throw error(what + ": " + e.what(), e.code());
}

}  // namespace

booking booking_repository::add(const booking& b) {
  const std::string what = "cannot add the booking of user " + std::to_string(b.user_id);
  validate(b, what);
  statement s(db_,
              "INSERT INTO bookings (user_id, resource_kind, resource_id, starts_at, ends_at, "
              "note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING " +
                  std::string(kColumns));
  s.bind_int64(1, b.user_id).bind_text(2, b.resource_kind).bind_int64(3, b.resource_id);
  s.bind_int64(4, b.starts_at).bind_int64(5, b.ends_at).bind_text(6, b.note);
  if (b.created_by) {
    s.bind_int64(7, *b.created_by);
  } else {
    s.bind_null(7);
  }
  s.bind_int64(8, b.created_at != 0 ? b.created_at : core::unix_micros() / 1'000'000);
  try {
    s.step();
  } catch (const error& e) {
    explain(db_, b, what, e);
  }
  booking added = read_booking(s);
  s.step();  // runs the statement to its end, which commits the implicit transaction
  return added;
}

std::optional<booking> booking_repository::get(std::int64_t id) {
  statement s(db_, select_where("id = ?"));
  s.bind_int64(1, id);
  if (!s.step()) return std::nullopt;
  return read_booking(s);
}

booking booking_repository::update(const booking& b) {
  const std::string what = "cannot change booking " + std::to_string(b.id);
  validate(b, what);
  statement s(db_,
              "UPDATE bookings SET user_id = ?, resource_kind = ?, resource_id = ?, "
              "starts_at = ?, ends_at = ?, note = ? WHERE id = ? RETURNING " +
                  std::string(kColumns));
  s.bind_int64(1, b.user_id).bind_text(2, b.resource_kind).bind_int64(3, b.resource_id);
  s.bind_int64(4, b.starts_at).bind_int64(5, b.ends_at).bind_text(6, b.note);
  s.bind_int64(7, b.id);
  bool found = false;
  try {
    found = s.step();
  } catch (const error& e) {
    booking checked = b;
    checked.created_by.reset();  // not written by update, so not the failing key
    explain(db_, checked, what, e);
  }
  if (!found) throw not_found(what + ": it does not exist");
  booking updated = read_booking(s);
  s.step();
  return updated;
}

bool booking_repository::remove(std::int64_t id) {
  statement s(db_, "DELETE FROM bookings WHERE id = ?");
  s.bind_int64(1, id);
  return s.execute() > 0;
}

std::vector<booking> booking_repository::list(const booking_filter& filter) {
  if (filter.resource_id && !filter.resource_kind) {
    throw error("a booking filter with resource_id needs resource_kind (camera or robot)");
  }
  // Only the conditions asked for, so SQLite can pick the index that fits them.
  std::string where = "TRUE";
  if (filter.user_id) where += " AND user_id = ?";
  if (filter.resource_kind) where += " AND resource_kind = ?";
  if (filter.resource_id) where += " AND resource_id = ?";
  if (filter.from) where += " AND ends_at > ?";
  if (filter.to) where += " AND starts_at < ?";
  statement s(db_, select_where(where + " ORDER BY starts_at, id"));
  int i = 0;
  if (filter.user_id) s.bind_int64(++i, *filter.user_id);
  if (filter.resource_kind) s.bind_text(++i, *filter.resource_kind);
  if (filter.resource_id) s.bind_int64(++i, *filter.resource_id);
  if (filter.from) s.bind_int64(++i, *filter.from);
  if (filter.to) s.bind_int64(++i, *filter.to);
  std::vector<booking> out;
  while (s.step()) out.push_back(read_booking(s));
  return out;
}

std::vector<booking> booking_repository::active_or_next(std::int64_t user_id,
                                                        std::string_view resource_kind,
                                                        std::int64_t resource_id,
                                                        std::int64_t now) {
  // Served by bookings_by_user_resource (user_id, resource_kind, resource_id, ends_at).
  statement s(db_, select_where("user_id = ? AND resource_kind = ? AND resource_id = ? AND "
                                "ends_at >= ? ORDER BY starts_at, id"));
  s.bind_int64(1, user_id).bind_text(2, resource_kind).bind_int64(3, resource_id);
  s.bind_int64(4, now);
  std::vector<booking> out;
  while (s.step()) out.push_back(read_booking(s));
  return out;
}

std::optional<booking> booking_repository::last_ended(std::int64_t user_id,
                                                      std::string_view resource_kind,
                                                      std::int64_t resource_id, std::int64_t now) {
  statement s(db_, select_where("user_id = ? AND resource_kind = ? AND resource_id = ? AND "
                                "ends_at <= ? ORDER BY ends_at DESC LIMIT 1"));
  s.bind_int64(1, user_id).bind_text(2, resource_kind).bind_int64(3, resource_id);
  s.bind_int64(4, now);
  if (!s.step()) return std::nullopt;
  return read_booking(s);
}

}  // namespace camgate::store
