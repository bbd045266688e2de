#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/backend.hpp"

namespace camgate::store {

class database;

// A prepared statement that holds the database's lock from construction to destruction.
// Parameters are 1-based (`?` in the SQL, whatever the backend), columns 0-based.
//
//   statement s(db, "SELECT id, name FROM users WHERE role = ?");
//   s.bind_text(1, "admin");
//   while (s.step()) use(s.column_int64(0), s.column_text(1));
class statement {
 public:
  statement(database& db, std::string_view sql);
  ~statement();

  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Distinct names rather than bind() overloads: a literal 0 would be ambiguous.
  statement& bind_int64(int index, std::int64_t value);
  statement& bind_text(int index, std::string_view value);
  statement& bind_null(int index);

  // Advances to the next row: true when a row is ready, false when done.
  // Throws store::conflict for UNIQUE/PRIMARY KEY violations, store::not_found for
  // FOREIGN KEY violations, store::unavailable when the server is out of reach and
  // store::error for anything else.
  bool step();

  // Runs the statement to completion and returns the number of rows it changed.
  std::int64_t execute();

  // Rewinds so the statement can run again; bindings are kept.
  void reset();

  bool column_is_null(int column) const;
  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;

 private:
  std::unique_lock<std::recursive_mutex> lock_;
  std::unique_ptr<cursor> cursor_;
};

}  // namespace camgate::store
