#pragma once
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/backend.hpp"

struct sqlite3;

namespace camgate::store::sqlite {

// An SQLite file: WAL, foreign keys on, a busy timeout; private (0600) files.
class sqlite_connection final : public connection {
 public:
  sqlite_connection(const std::filesystem::path& path,
                    std::span<const std::string_view> migrations);
  ~sqlite_connection() override;

  store::dialect dialect() const override { return store::dialect::sqlite; }
  std::unique_ptr<cursor> prepare(std::string_view sql) override;
  void exec(std::string_view sql) override;
  void begin(bool write) override;
  void commit() override;
  void rollback() noexcept override;
  int schema_version() override;
  int migrate() override;
  std::int64_t data_version() override;
  std::string describe() const override { return "SQLite database '" + path_.string() + "'"; }

 private:
  std::filesystem::path path_;
  std::vector<std::string> migrations_;
  sqlite3* db_ = nullptr;
};

}  // namespace camgate::store::sqlite
