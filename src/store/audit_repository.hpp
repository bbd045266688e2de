#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::store {

class database;

// One live stream as it happened: who watched what, over which protocol, from where,
// from when to when and why it ended. Rows are never deleted, and user_name is copied so
// the row stays readable after the user is gone.
struct audit_entry {
  std::int64_t id = 0;
  std::optional<std::int64_t> user_id;
  std::string user_name;
  std::string resource_kind;  // "camera" or "robot"
  std::int64_t resource_id = 0;
  std::string protocol;                  // "mjpeg", "websocket", "webrtc", ...
  std::string remote;                    // the viewer's address, may be empty
  std::int64_t started_at = 0;           // unix seconds
  std::optional<std::int64_t> ended_at;  // unset while the stream runs
  std::optional<std::string> end_reason;
};

// What audit_repository::list returns; every field left empty matches everything.
struct audit_filter {
  std::optional<std::int64_t> user_id;
  std::optional<std::string> resource_kind;  // required when resource_id is set
  std::optional<std::int64_t> resource_id;
  std::optional<std::int64_t> since;  // started_at >= since
  std::optional<std::int64_t> until;  // started_at < until
  std::optional<std::string> protocol;
  int limit = 100;  // clamped to 1..max_limit
  int offset = 0;   // negative counts as 0

  static constexpr int max_limit = 1000;
};

// The audit_log table. Safe from any thread.
class audit_repository {
 public:
  explicit audit_repository(database& db) : db_(db) {}

  // Records the start of a stream and returns the row's id.
  std::int64_t begin(std::optional<std::int64_t> user_id, std::string_view user_name,
                     std::string_view resource_kind, std::int64_t resource_id,
                     std::string_view protocol, std::string_view remote, std::int64_t started_at);
  // Records the end of stream `id`. False when there is no such row or it already ended
  // (the first end wins).
  bool end(std::int64_t id, std::int64_t ended_at, std::string_view reason);
  // Ends many streams in one transaction (thousands of streams cut in the same second
  // cost one commit) and returns how many were still open.
  std::int64_t end(std::span<const std::int64_t> ids, std::int64_t ended_at,
                   std::string_view reason);
  // Newest first (by start, then id). Throws store::error for a resource_id without
  // resource_kind.
  std::vector<audit_entry> list(const audit_filter& filter = {});
  std::optional<audit_entry> get(std::int64_t id);

  // Ends every row still open, left so by a crash; call once at start-up before any
  // stream begins. Returns how many it ended.
  std::int64_t close_dangling(std::int64_t now, std::string_view reason);

 private:
  database& db_;
};

}  // namespace camgate::store
