#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::store {

class database;

struct camera_record {
  std::int64_t id = 0;
  std::string name;
  std::string host;
  int port = 80;
  std::string url;                         // path or full URL of the stream, may be empty
  std::string origin = "api";              // "api" (added through the API) or "setup" (from config)
  std::optional<std::int64_t> created_by;  // user id; cleared when that user is deleted
  std::int64_t created_at = 0;             // unix seconds
};

// The cameras table. Every call is one statement on the shared connection, so it is safe
// from any thread.
class camera_repository {
 public:
  explicit camera_repository(database& db) : db_(db) {}

  // Inserts `camera` (its id is ignored; created_at 0 means now) and returns the stored
  // row. Throws store::not_found when created_by names no user, store::error for an
  // origin other than "api" or "setup".
  camera_record add(const camera_record& camera);
  std::optional<camera_record> get(std::int64_t id);
  std::vector<camera_record> list();  // by id
  // Deleting a camera clears every user's selection of it.
  bool remove(std::int64_t id);
  // The oldest camera at host:port (host compared case-insensitively).
  std::optional<camera_record> find_by_address(std::string_view host, int port);
  bool rename(std::int64_t id, std::string_view name);

 private:
  database& db_;
};

}  // namespace camgate::store
