#include "store/selection_repository.hpp"

#include <string>

#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/statement.hpp"

namespace camgate::store {

void selection_repository::select(std::int64_t user_id, std::int64_t camera_id) {
  statement s(db_,
              "INSERT INTO camera_selections (user_id, camera_id, selected_at) VALUES (?, ?, ?) "
              "ON CONFLICT (user_id) DO UPDATE SET camera_id = excluded.camera_id, "
              "selected_at = excluded.selected_at");
  s.bind_int64(1, user_id).bind_int64(2, camera_id);
  s.bind_int64(3, core::unix_micros() / 1'000'000);
  try {
    s.execute();
  } catch (const not_found& e) {
    throw not_found("cannot select camera " + std::to_string(camera_id) + " for user " +
                        std::to_string(user_id) + ": the user or the camera does not exist",
                    e.code());
  }
}

std::optional<std::int64_t> selection_repository::selected(std::int64_t user_id) {
  statement s(db_, "SELECT camera_id FROM camera_selections WHERE user_id = ?");
  s.bind_int64(1, user_id);
  if (!s.step()) return std::nullopt;
  return s.column_int64(0);
}

bool selection_repository::clear(std::int64_t user_id) {
  statement s(db_, "DELETE FROM camera_selections WHERE user_id = ?");
  s.bind_int64(1, user_id);
  return s.execute() > 0;
}

std::int64_t selection_repository::count_selecting(std::int64_t camera_id) {
  statement s(db_, "SELECT COUNT(*) FROM camera_selections WHERE camera_id = ?");
  s.bind_int64(1, camera_id);
  s.step();
  return s.column_int64(0);
}

}  // namespace camgate::store
