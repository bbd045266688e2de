#include "store/access_rows.hpp"

#include "store/database.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"

namespace camgate::store {

access_rows load_access_rows(database& db) {
  // One snapshot, no write lock.
  transaction read(db, transaction::mode::read);

  access_rows rows;
  {
    statement s(db, "SELECT id, name, role, token_gen FROM users");
    while (s.step())
      rows.users.push_back(
          {s.column_int64(0), s.column_text(1), s.column_text(2), s.column_int64(3)});
  }
  {
    statement s(db, "SELECT id, user_id FROM robots");
    while (s.step()) rows.robots.push_back({s.column_int64(0), s.column_int64(1)});
  }
  {
    statement s(db,
                "SELECT id, user_id, resource_kind, resource_id, starts_at, ends_at FROM bookings "
                "ORDER BY user_id, resource_kind, resource_id, starts_at");
    while (s.step()) {
      rows.bookings.push_back({s.column_int64(0), s.column_int64(1), s.column_text(2),
                               s.column_int64(3), s.column_int64(4), s.column_int64(5)});
    }
  }
  read.commit();
  return rows;
}

}  // namespace camgate::store
