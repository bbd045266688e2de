#include "store/transaction.hpp"

#include "store/database.hpp"

namespace camgate::store {

transaction::transaction(database& db, mode m) : db_(db), lock_(db.lock()) {
  db_.backend().begin(m == mode::write);
}

transaction::~transaction() {
  if (!done_) db_.backend().rollback();
}

void transaction::commit() {
  // A failed COMMIT may leave the transaction open: the destructor rolls it back.
  db_.backend().commit();
  done_ = true;
}

}  // namespace camgate::store
