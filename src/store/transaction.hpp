#pragma once
#include <mutex>

namespace camgate::store {

class database;

// A transaction, rolled back when it goes out of scope uncommitted (also on an
// exception). Holds the database's lock for its lifetime, so no other thread's
// statement can slip into it. Transactions do not nest.
//   write (default): takes the write lock at once (SQLite BEGIN IMMEDIATE), so a second
//                    process waits here instead of failing later on an upgrade.
//   read:            one consistent snapshot, no write lock (load_access_rows).
class transaction {
 public:
  enum class mode { write, read };
  explicit transaction(database& db, mode m = mode::write);
  ~transaction();

  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  void commit();

 private:
  database& db_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool done_ = false;
};

}  // namespace camgate::store
