#include "store/sqlite/sqlite_connection.hpp"

#include <string>

#include <sqlite3.h>

#include "core/clock.hpp"
#include "store/error.hpp"
#include "store/private_files.hpp"
#include "store/sqlite/sqlite_cursor.hpp"
#include "store/sqlite/sqlite_error.hpp"

namespace camgate::store::sqlite {
namespace {

// Long enough to ride out another process's write (a CLI adding a user while the
// gateway runs), short enough that a stuck lock surfaces as an error.
constexpr int kBusyTimeoutMs = 5000;

void run(sqlite3* db, std::string_view sql, std::string_view what) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw_sqlite_error(db, rc, what);
}

}  // namespace

sqlite_connection::sqlite_connection(const std::filesystem::path& path,
                                     std::span<const std::string_view> migrations)
    : path_(path), migrations_(migrations.begin(), migrations.end()) {
  const std::string name = path.string();
  if (name != ":memory:" && !name.empty()) {
    // Password and credential hashes: 0600 files in 0700 folders. SQLite gives the
    // -wal and -shm files the database file's mode.
    if (path.has_parent_path()) create_private_directories(path.parent_path());
    make_private_file(path);
    for (const char* suffix : {"-wal", "-shm"}) {
      auto side = path;
      side += suffix;
      if (std::filesystem::exists(side)) make_private_file(side);
    }
  }

  const std::string what = "cannot open database '" + name + "'";
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string reason = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw error(what + ": " + reason, rc);
  }

  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // The first statement reads the file header: a file that is not SQLite fails here.
    try {
      run(db_, "PRAGMA journal_mode = WAL", what);
    } catch (const error& e) {
      if ((e.code() & 0xff) != SQLITE_NOTADB) throw;
      throw error(std::string(e.what()) +
                      " (move the file away or point camgate at another data directory)",
                  e.code());
    }
    // NORMAL is corruption-safe with WAL and spares an fsync per commit; a power cut may
    // lose the last commits, which for users and cameras is an acceptable trade.
    run(db_, "PRAGMA synchronous = NORMAL", what);
    run(db_, "PRAGMA foreign_keys = ON", what);
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

sqlite_connection::~sqlite_connection() {
  // close_v2 defers the close until any forgotten statement is finalised.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

std::unique_ptr<cursor> sqlite_connection::prepare(std::string_view sql) {
  return std::make_unique<sqlite_cursor>(db_, sql);
}

void sqlite_connection::exec(std::string_view sql) {
  run(db_, sql, "SQL failed");
}

void sqlite_connection::begin(bool write) {
  // Deferred for reads: reading must not take the write lock.
  run(db_, write ? "BEGIN IMMEDIATE" : "BEGIN", "cannot begin a transaction");
}

void sqlite_connection::commit() {
  run(db_, "COMMIT", "cannot commit the transaction");
}

void sqlite_connection::rollback() noexcept {
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

int sqlite_connection::schema_version() {
  sqlite_cursor s(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  s.step();
  return static_cast<int>(s.column_int64(0));
}

std::int64_t sqlite_connection::data_version() {
  // Changes when another connection commits, never for this connection's own writes.
  sqlite_cursor s(db_, "PRAGMA data_version");
  s.step();
  return s.column_int64(0);
}

int sqlite_connection::migrate() {
  // A step may rebuild a table (SQLite cannot alter a key): with foreign keys on,
  // dropping the old table would cascade. They are off meanwhile (the pragma is a no-op
  // inside a transaction) and checked before each step commits.
  run(db_, "PRAGMA foreign_keys = OFF", "cannot prepare the migration");
  struct keys_on {
    sqlite3* db;
    ~keys_on() { sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr); }
  } restore{db_};
  run(db_,
      "CREATE TABLE IF NOT EXISTS schema_version ("
      "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
      "cannot create the schema_version table");
  const int known = static_cast<int>(migrations_.size());
  int applied = 0;
  for (;;) {
    // Quick look first so an up-to-date database is not write-locked at every open.
    if (schema_version() == known) return applied;
    begin(true);
    struct end_tx {
      sqlite_connection* c;
      bool done = false;
      ~end_tx() {
        if (!done) c->rollback();
      }
    } tx{this};
    // Read again under the write lock: another process may have migrated meanwhile.
    const int current = schema_version();
    if (current > known) {
      throw error("database '" + path_.string() + "' has schema version " +
                  std::to_string(current) + " but this camgate knows only up to version " +
                  std::to_string(known) +
                  ": upgrade camgate or point it at another data directory");
    }
    if (current == known) return applied;
    run(db_, migrations_[static_cast<std::size_t>(current)],
        "migrating database '" + path_.string() + "' to schema version " +
            std::to_string(current + 1) + " failed");
    if (sqlite_cursor check(db_, "PRAGMA foreign_key_check"); check.step()) {
      throw error("migrating database '" + path_.string() + "' to schema version " +
                  std::to_string(current + 1) + " broke a foreign key in table '" +
                  check.column_text(0) + "'");
    }
    sqlite_cursor s(db_, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)");
    s.bind_int64(1, current + 1);
    s.bind_int64(2, core::unix_micros() / 1'000'000);
    while (s.step()) {
    }
    commit();
    tx.done = true;
    ++applied;
  }
}

}  // namespace camgate::store::sqlite
