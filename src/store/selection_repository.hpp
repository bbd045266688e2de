#pragma once
#include <cstdint>
#include <optional>

namespace camgate::store {

class database;

// Which camera each user selected (at most one per user). A selection disappears with
// its user or its camera.
class selection_repository {
 public:
  explicit selection_repository(database& db) : db_(db) {}

  // Selects `camera_id` for `user_id`, replacing any earlier selection. Throws
  // store::not_found when the user or the camera does not exist.
  void select(std::int64_t user_id, std::int64_t camera_id);
  std::optional<std::int64_t> selected(std::int64_t user_id);
  bool clear(std::int64_t user_id);
  std::int64_t count_selecting(std::int64_t camera_id);

 private:
  database& db_;
};

}  // namespace camgate::store
