#pragma once
#include <cstdint>
#include <functional>
#include <mutex>

#include "access/access_index.hpp"
#include "access/session_registry.hpp"

namespace camgate::store {
class database;
}  // namespace camgate::store

namespace camgate::access {

// Keeps the access index current with the store and the live streams with the index:
// refresh() reloads every access row, publishes a new snapshot, then has the session
// registry re-evaluate every live stream's deadline, so a change (booking, user deleted,
// role, password, logout) reaches streams and token checks at once. The API calls it
// after each of its writes; store::change_watch calls it for other processes' writes.
// Thread-safe; refreshes run one at a time so an older reading never wins.
class access_sync {
 public:
  access_sync(store::database& db, access_index& index, session_registry& live)
      : db_(db), index_(index), live_(live) {}

  // Throws store::error when the store cannot be read; the index then stays as it was.
  void refresh();
  // Refreshes unless the index already holds user `user_id` at generation `token_gen`
  // (a login of a user another process just added or changed).
  void ensure_user(std::int64_t user_id, std::int64_t token_gen);

  // Also told of every new snapshot, after the live streams (signaling ends the
  // connections of revoked credentials). Set once at start-up.
  void on_refresh(std::function<void(const access_snapshot&)> listener);

 private:
  store::database& db_;
  access_index& index_;
  session_registry& live_;
  std::mutex mutex_;
  std::function<void(const access_snapshot&)> listener_;  // guarded by mutex_
};

}  // namespace camgate::access
