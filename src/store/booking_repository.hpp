#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::store {

class database;

// A user's right to watch one camera or robot during [starts_at, ends_at): the start
// is inclusive, the end exclusive, both unix seconds.
struct booking {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string resource_kind;  // "camera" or "robot"
  std::int64_t resource_id = 0;
  std::int64_t starts_at = 0;
  std::int64_t ends_at = 0;
  std::string note;
  std::optional<std::int64_t> created_by;  // user id; cleared when that user is deleted
  std::int64_t created_at = 0;             // unix seconds
};

// What booking_repository::list returns; every field left empty matches everything.
struct booking_filter {
  std::optional<std::int64_t> user_id;
  std::optional<std::string> resource_kind;  // required when resource_id is set
  std::optional<std::int64_t> resource_id;
  // The window [from, to): bookings that overlap it (end after `from`, start before `to`).
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> to;
};

// The bookings table. A booking must name an existing user and an existing camera or
// robot; deleting the user, the camera or the robot deletes its bookings. Every write
// either succeeds or throws: store::error with a message for the person who made it
// (bad kind, end not after start), store::not_found when a user, creator, resource or
// the booking itself does not exist. Safe from any thread.
class booking_repository {
 public:
  explicit booking_repository(database& db) : db_(db) {}

  // Inserts `b` (its id is ignored; created_at 0 means now) and returns the stored row.
  booking add(const booking& b);
  std::optional<booking> get(std::int64_t id);
  // Replaces user, resource, times and note of booking `b.id` (created_* are kept) and
  // returns the stored row; store::not_found when there is no such booking.
  booking update(const booking& b);
  bool remove(std::int64_t id);
  // By start, then id. Throws store::error for a resource_id without resource_kind.
  std::vector<booking> list(const booking_filter& filter = {});

  // The bookings of `user_id` on one resource that end at or after `now` (ends_at >
  // now - 1), by start: the active ones, the coming ones, and one ending exactly now
  // (already over, the end being exclusive) so a caller can tell "just ended".
  std::vector<booking> active_or_next(std::int64_t user_id, std::string_view resource_kind,
                                      std::int64_t resource_id, std::int64_t now);
  // The booking of `user_id` on that resource that ended last, at or before `now`.
  std::optional<booking> last_ended(std::int64_t user_id, std::string_view resource_kind,
                                    std::int64_t resource_id, std::int64_t now);

 private:
  database& db_;
};

}  // namespace camgate::store
