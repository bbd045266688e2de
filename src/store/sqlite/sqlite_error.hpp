#pragma once
#include <string_view>

struct sqlite3;

namespace camgate::store::sqlite {

// Throws the store exception matching SQLite's last error on `db` (conflict for
// UNIQUE/PRIMARY KEY, not_found for FOREIGN KEY, error with its kind otherwise), its
// message being "<what>: <SQLite's message>". Call it while holding the lock.
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, std::string_view what);

}  // namespace camgate::store::sqlite
