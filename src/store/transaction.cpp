#include "store/transaction.hpp"

#include <sqlite3.h>

#include "store/database.hpp"
#include "store/sqlite_error.hpp"

namespace camgate::store {

transaction::transaction(database& db) : db_(db), lock_(db.lock()) {
  // IMMEDIATE takes the write lock now, so a second process waits (busy_timeout) here
  // instead of failing later when a read transaction would need upgrading.
  const int rc = sqlite3_exec(db_.handle(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw_sqlite_error(db_.handle(), rc, "cannot begin a transaction");
}

transaction::~transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void transaction::commit() {
  const int rc = sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    // A failed COMMIT may leave the transaction open: the destructor rolls it back.
    throw_sqlite_error(db_.handle(), rc, "cannot commit the transaction");
  }
  done_ = true;
}

}  // namespace camgate::store
