#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace camgate::store {

// Where the SQL dialects differ and the repositories must say it twice.
enum class dialect { sqlite, postgresql };

// One prepared statement of a backend. Parameters are 1-based (`?` order), columns
// 0-based. The SQL is written once with `?` placeholders; a backend translates it.
class cursor {
 public:
  virtual ~cursor() = default;
  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_null(int index) = 0;
  // True when a row is ready; throws store::error (kinds per error_kind) on failure.
  virtual bool step() = 0;
  // Rows the last completed run changed.
  virtual std::int64_t changes() = 0;
  // Rewinds so the statement can run again; bindings are kept.
  virtual void reset() = 0;
  virtual bool column_is_null(int column) const = 0;
  virtual std::int64_t column_int64(int column) const = 0;
  virtual std::string column_text(int column) const = 0;
};

// One connection to a database (SQLite file or PostgreSQL server), not thread-safe:
// store::database serialises every use with its mutex.
class connection {
 public:
  virtual ~connection() = default;
  virtual store::dialect dialect() const = 0;
  virtual std::unique_ptr<cursor> prepare(std::string_view sql) = 0;
  // One or more statements that return no rows.
  virtual void exec(std::string_view sql) = 0;
  // A write transaction takes the write lock at once (SQLite BEGIN IMMEDIATE); a read
  // transaction sees one consistent snapshot.
  virtual void begin(bool write) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // Highest schema version, and brings the schema up to date; returns the steps applied.
  virtual int schema_version() = 0;
  virtual int migrate() = 0;
  // A number that changes when another connection commits a change that matters to
  // the access index (store::change_watch polls it).
  virtual std::int64_t data_version() = 0;
  // For messages: the file, or host:port/database (never a password).
  virtual std::string describe() const = 0;
};

}  // namespace camgate::store
