#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace camgate::store {

class database;

// Notices writes by other processes (`camgate booking add` while the gateway runs):
// polls the backend's data_version: SQLite's PRAGMA data_version, which changes when
// another connection commits, never for this connection's own writes (those callers
// refresh themselves); PostgreSQL's store_changes counter, which every write to users,
// cameras, robots and bookings bumps (own writes too: a harmless extra reload). While
// the database is out of reach it warns once, and reloads when it is back. `on_change` runs on
// the watch's own thread; an exception from it is logged and the watch goes on.
//
//   store::change_watch watch(db, 250ms, [&] { sync.refresh(); });
class change_watch {
 public:
  // Throws store::error when the database cannot be read.
  change_watch(database& db, std::chrono::milliseconds interval, std::function<void()> on_change);
  ~change_watch();  // stops and joins

  change_watch(const change_watch&) = delete;
  change_watch& operator=(const change_watch&) = delete;

  void stop();

 private:
  void run(std::int64_t seen);

  database& db_;
  const std::chrono::milliseconds interval_;
  const std::function<void()> on_change_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace camgate::store
