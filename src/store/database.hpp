#pragma once
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <string_view>

struct sqlite3;

namespace camgate::store {

// One SQLite connection (WAL, foreign keys on, busy timeout) whose schema is brought up
// to date when it opens. Safe to share between threads: every use of the connection
// (a statement, a transaction, exec) holds the internal mutex for its whole lifetime,
// so keep statements and transactions short-lived.
//
//   store::database db(data_dir / "camgate.db");
//   store::user_repository users(db);
class database {
 public:
  // Opens `path` (creating the file and its directory) and applies camgate's migrations.
  explicit database(const std::filesystem::path& path);
  // Same, with another ordered list of migration steps (step i gives version i+1).
  database(const std::filesystem::path& path, std::span<const std::string_view> migrations);
  ~database();

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // Runs one or more SQL statements that return no rows.
  void exec(std::string_view sql);

  // Highest migration applied to the file, and how many this open applied.
  int schema_version();
  int migrations_applied() const { return migrations_applied_; }

  const std::filesystem::path& path() const { return path_; }

  // Serialises use of the connection; recursive, so a statement inside a transaction
  // on the same thread is fine. statement and transaction take it themselves.
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }

  // The raw handle, for statement and transaction; only touch it while holding lock().
  sqlite3* handle() const { return db_; }

 private:
  int migrate(std::span<const std::string_view> migrations);

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::recursive_mutex mutex_;
  int migrations_applied_ = 0;
};

}  // namespace camgate::store
