#include "store/sqlite/sqlite_cursor.hpp"

#include <string>

#include <sqlite3.h>

#include "store/error.hpp"
#include "store/sqlite/sqlite_error.hpp"

namespace camgate::store::sqlite {

sqlite_cursor::sqlite_cursor(sqlite3* db, std::string_view sql) : db_(db) {
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    throw_sqlite_error(db_, rc, "cannot prepare \"" + std::string(sql) + "\"");
  }
  if (stmt_ == nullptr) throw error("empty SQL statement", SQLITE_MISUSE);
}

sqlite_cursor::~sqlite_cursor() {
  sqlite3_finalize(stmt_);
}

void sqlite_cursor::bind_int64(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc, "cannot bind parameter " + std::to_string(index));
}

void sqlite_cursor::bind_text(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's buffer may go away.
  const int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc, "cannot bind parameter " + std::to_string(index));
}

void sqlite_cursor::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(rc, "cannot bind parameter " + std::to_string(index));
}

bool sqlite_cursor::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc, "\"" + std::string(sqlite3_sql(stmt_)) + "\" failed");
}

std::int64_t sqlite_cursor::changes() {
  return sqlite3_changes64(db_);
}

void sqlite_cursor::reset() {
  sqlite3_reset(stmt_);
}

bool sqlite_cursor::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t sqlite_cursor::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string sqlite_cursor::column_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

void sqlite_cursor::fail(int rc, std::string_view what) const {
  throw_sqlite_error(db_, rc, what);
}

}  // namespace camgate::store::sqlite
