#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "store/backend.hpp"

namespace camgate::store {

// The store's one connection, to an SQLite file (the embedded default) or a PostgreSQL
// server ([store] url), whose schema is brought up to date when it opens. Safe to share
// between threads: one connection, one mutex; every use (a statement, a transaction,
// exec) holds it for its whole lifetime, so keep statements and transactions short.
// (A pool would let PostgreSQL readers overlap; the gateway's reads come from the
// in-memory access index, so the store's traffic is small and a mutex is enough.)
//
//   auto db = store::database::open(cfg.store.url, data_dir);
//   store::user_repository users(*db);
class database {
 public:
  // Opens the SQLite file `path` (creating the file and its directory) and applies
  // camgate's migrations.
  explicit database(const std::filesystem::path& path);
  // Same, with another ordered list of migration steps (step i gives version i+1).
  database(const std::filesystem::path& path, std::span<const std::string_view> migrations);
  // Over any backend's connection; migrates it.
  explicit database(std::unique_ptr<connection> backend);
  ~database();

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // `url` empty: SQLite at <data_dir>/camgate.db; "postgresql://..." (or "postgres://"):
  // that server. Throws store::error naming host, port and the reason, never the password.
  static std::unique_ptr<database> open(const std::string& url,
                                        const std::filesystem::path& data_dir);

  // Runs one or more SQL statements that return no rows.
  void exec(std::string_view sql);

  // Highest migration applied, and how many this open applied.
  int schema_version();
  int migrations_applied() const { return migrations_applied_; }

  store::dialect dialect() const { return dialect_; }
  // The SQLite file; empty for PostgreSQL.
  const std::filesystem::path& path() const { return path_; }
  // For messages: the file or host:port/database.
  std::string describe() const { return backend_->describe(); }

  // Serialises use of the connection; recursive, so a statement inside a transaction
  // on the same thread is fine. statement and transaction take it themselves.
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }

  // The backend, for statement and transaction; only touch it while holding lock().
  connection& backend() { return *backend_; }

 private:
  std::filesystem::path path_;
  std::unique_ptr<connection> backend_;
  store::dialect dialect_;
  std::recursive_mutex mutex_;
  int migrations_applied_ = 0;
};

}  // namespace camgate::store
