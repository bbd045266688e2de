#pragma once
#include <string_view>

#include "store/backend.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace camgate::store::sqlite {

// sqlite3_stmt behind the store's cursor; SQLite speaks `?` natively.
class sqlite_cursor final : public cursor {
 public:
  sqlite_cursor(sqlite3* db, std::string_view sql);
  ~sqlite_cursor() override;

  void bind_int64(int index, std::int64_t value) override;
  void bind_text(int index, std::string_view value) override;
  void bind_null(int index) override;
  bool step() override;
  std::int64_t changes() override;
  void reset() override;
  bool column_is_null(int column) const override;
  std::int64_t column_int64(int column) const override;
  std::string column_text(int column) const override;

 private:
  [[noreturn]] void fail(int rc, std::string_view what) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace camgate::store::sqlite
