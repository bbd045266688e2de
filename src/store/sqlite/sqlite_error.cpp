#include "store/sqlite/sqlite_error.hpp"

#include <string>

#include <sqlite3.h>

#include "store/error.hpp"

namespace camgate::store::sqlite {

void throw_sqlite_error(sqlite3* db, int rc, std::string_view what) {
  // rc may be a primary code when the connection holds none (e.g. a failed open).
  const int code = db != nullptr && sqlite3_extended_errcode(db) != SQLITE_OK
                       ? sqlite3_extended_errcode(db)
                       : rc;
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      throw conflict(message, code);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      throw not_found(message, code);
    case SQLITE_CONSTRAINT_CHECK:
      throw error(message, code, error_kind::check);
    case SQLITE_CONSTRAINT_TRIGGER:
      throw error(message, code, error_kind::raised);
    default:
      throw error(message, code);
  }
}

}  // namespace camgate::store::sqlite
