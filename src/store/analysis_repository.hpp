#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camgate::store {

class database;

// One stored analysis event (analysis result, alert, camera state).
struct analysis_event_row {
  std::int64_t id = 0;
  std::string resource_kind;  // "camera" or "robot"
  std::int64_t resource_id = 0;
  std::string type;
  std::int64_t at_us = 0;
  std::string body;  // the event's JSON, as sent to listeners
};

struct analysis_event_filter {
  std::string resource_kind;
  std::int64_t resource_id = 0;
  std::optional<std::string> type;
  std::optional<std::int64_t> from_us;  // at_us >= from_us
  std::optional<std::int64_t> to_us;    // at_us < to_us
  std::int64_t limit = 100;             // the newest `limit` matching, returned oldest first
};

// A camera's or robot's own analysis profile (JSON text that analysis::profile parses).
struct analysis_profile_row {
  std::string resource_kind;
  std::int64_t resource_id = 0;
  std::string profile;
  std::int64_t updated_at = 0;  // unix seconds
  std::optional<std::int64_t> updated_by;
};

// The analysis tables. Safe from any thread; writes throw store::error.
class analysis_repository {
 public:
  explicit analysis_repository(database& db) : db_(db) {}

  void set_profile(const analysis_profile_row& row);
  std::optional<analysis_profile_row> profile_of(const std::string& kind, std::int64_t id);
  std::vector<analysis_profile_row> profiles();
  bool remove_profile(const std::string& kind, std::int64_t id);

  // Appends `rows` in one transaction (their ids are ignored).
  void append(const std::vector<analysis_event_row>& rows);
  std::vector<analysis_event_row> events(const analysis_event_filter& f);
  // Retention: removes events older than `before_us`, then the oldest past `keep_at_most`.
  // Returns how many went.
  std::int64_t prune(std::int64_t before_us, std::int64_t keep_at_most);
  std::int64_t count();

 private:
  database& db_;
};

}  // namespace camgate::store
