#include "store/statement.hpp"

#include <sqlite3.h>

#include "store/database.hpp"
#include "store/error.hpp"
#include "store/sqlite_error.hpp"

namespace camgate::store {

statement::statement(database& db, std::string_view sql) : db_(db), lock_(db.lock()) {
  const int rc =
      sqlite3_prepare_v2(db_.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    throw_sqlite_error(db_.handle(), rc, "cannot prepare \"" + std::string(sql) + "\"");
  }
  if (stmt_ == nullptr) throw error("empty SQL statement", SQLITE_MISUSE);
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

statement& statement::bind_int64(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc, "cannot bind parameter " + std::to_string(index));
  return *this;
}

statement& statement::bind_text(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may go away.
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc, "cannot bind parameter " + std::to_string(index));
  return *this;
}

statement& statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(rc, "cannot bind parameter " + std::to_string(index));
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc, "\"" + std::string(sqlite3_sql(stmt_)) + "\" failed");
}

std::int64_t statement::execute() {
  while (step()) {
  }
  const std::int64_t changed = sqlite3_changes64(db_.handle());
  sqlite3_reset(stmt_);
  return changed;
}

void statement::reset() {
  sqlite3_reset(stmt_);
}

bool statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string statement::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

void statement::fail(int rc, std::string_view what) const {
  throw_sqlite_error(db_.handle(), rc, what);
}

}  // namespace camgate::store
