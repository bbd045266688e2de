#include "store/database.hpp"

#include "store/error.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/schema.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace camgate::store {

database::database(const std::filesystem::path& path) : database(path, schema_migrations()) {}

database::database(const std::filesystem::path& path, std::span<const std::string_view> migrations)
    : database(std::make_unique<sqlite::sqlite_connection>(path, migrations)) {
  path_ = path;
}

database::database(std::unique_ptr<connection> backend)
    : backend_(std::move(backend)), dialect_(backend_->dialect()) {
  auto guard = lock();
  migrations_applied_ = backend_->migrate();
}

database::~database() = default;

std::unique_ptr<database> database::open(const std::string& url,
                                         const std::filesystem::path& data_dir) {
  if (url.empty()) return std::make_unique<database>(data_dir / "camgate.db");
  if (!postgres::is_postgresql_url(url)) {
    throw error(
        "[store] url must start with postgresql:// (or be empty for SQLite in the "
        "data directory)");
  }
  return std::make_unique<database>(std::make_unique<postgres::pg_connection>(url));
}

void database::exec(std::string_view sql) {
  auto guard = lock();
  backend_->exec(sql);
}

int database::schema_version() {
  auto guard = lock();
  return backend_->schema_version();
}

}  // namespace camgate::store
