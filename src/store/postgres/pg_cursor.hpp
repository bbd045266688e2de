#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/backend.hpp"
#include "store/postgres/pg_connection.hpp"

namespace camgate::store::postgres {

// Rewrites the store's `?` placeholders as PostgreSQL's $1, $2, ... (not inside quoted
// strings, quoted names or comments); `count` receives how many there were.
std::string numbered_placeholders(std::string_view sql, int& count);

// A statement over libpq: the SQL is translated once, parameters travel as text (the
// server infers their types from the columns they meet), the whole result arrives at
// the first step() and the later steps walk its rows.
class pg_cursor final : public cursor {
 public:
  pg_cursor(pg_connection& conn, std::string_view sql);

  void bind_int64(int index, std::int64_t value) override;
  void bind_text(int index, std::string_view value) override;
  void bind_null(int index) override;
  bool step() override;
  std::int64_t changes() override { return changes_; }
  void reset() override;
  bool column_is_null(int column) const override;
  std::int64_t column_int64(int column) const override;
  std::string column_text(int column) const override;

 private:
  std::optional<std::string>& slot(int index);

  pg_connection& conn_;
  std::string sql_;
  std::vector<std::optional<std::string>> params_;
  result_ptr result_;
  int row_ = -1;
  int rows_ = 0;
  std::int64_t changes_ = 0;
};

}  // namespace camgate::store::postgres
