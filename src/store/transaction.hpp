#pragma once
#include <mutex>

namespace camgate::store {

class database;

// BEGIN IMMEDIATE ... COMMIT, rolled back when it goes out of scope uncommitted (also on
// an exception). Holds the database's lock for its lifetime, so no other thread's
// statement can slip into it. Transactions do not nest.
class transaction {
 public:
  explicit transaction(database& db);
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
