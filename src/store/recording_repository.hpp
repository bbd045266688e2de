#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace camgate::store {

class database;

// One recorded file of a camera or robot.
struct recording_row {
  std::int64_t id = 0;
  std::string resource_kind;  // "camera" or "robot"
  std::int64_t resource_id = 0;
  std::optional<std::int64_t> booking_id;  // the booking run it belongs to, if any
  std::optional<std::int64_t> user_id;     // that booking's user
  std::string reason = "booking";          // "booking", "continuous" or "demand"
  std::int64_t started_at = 0;             // unix seconds
  std::optional<std::int64_t> ended_at;    // unset while recording
  std::int64_t bytes = 0;
  std::int64_t frames = 0;
  std::string path;                 // the local file (kept after offload, for the name)
  std::string state = "recording";  // "recording", "complete", "damaged", "offloaded"
  std::optional<std::string> remote_url;
  std::string node;  // the cluster node whose disk holds the file ("" on a single gateway)
};

struct recording_filter {
  std::optional<std::string> resource_kind;  // required when resource_id is set
  std::optional<std::int64_t> resource_id;
  std::optional<std::int64_t> booking_id;
  std::optional<std::int64_t> user_id;
  std::optional<std::string> state;
  std::optional<std::string> node;  // rows written by this node only
  // Recordings overlapping [from, to): still recording counts as ending now.
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> to;
};

// The recordings table. Safe from any thread; every write either succeeds or throws
// store::error (a bad kind, reason or state; a path used twice: store::conflict).
class recording_repository {
 public:
  explicit recording_repository(database& db) : db_(db) {}

  // This gateway's cluster node id ("" alone): start() stamps it on every row. Set once,
  // before anything records.
  void set_node(std::string node) { node_ = std::move(node); }
  const std::string& node() const { return node_; }

  // Inserts `r` as state "recording" (its id, end and counters are ignored).
  recording_row start(const recording_row& r);
  // Ends a recording: its end time, size, frame count and final state.
  bool finish(std::int64_t id, std::int64_t ended_at, std::int64_t bytes, std::int64_t frames,
              const std::string& state);
  // Counters while it records (for the API and a crash: the last known figures).
  bool progress(std::int64_t id, std::int64_t bytes, std::int64_t frames);
  bool offloaded(std::int64_t id, const std::string& remote_url);
  // Its first picture's time, once known (the row is made when the file opens).
  bool set_started(std::int64_t id, std::int64_t started_at);
  std::optional<recording_row> get(std::int64_t id);
  // By start, oldest first.
  std::vector<recording_row> list(const recording_filter& filter = {});
  bool remove(std::int64_t id);

  // Per camera or robot recording policies ("off", "bookings", "continuous"), over the
  // configured default; nullopt removes the override.
  void set_policy(const std::string& resource_kind, std::int64_t resource_id,
                  const std::optional<std::string>& policy);
  std::optional<std::string> policy_of(const std::string& resource_kind, std::int64_t resource_id);
  // (kind, id) -> policy
  std::map<std::pair<std::string, std::int64_t>, std::string> policies();

 private:
  database& db_;
  std::string node_;
};

}  // namespace camgate::store
