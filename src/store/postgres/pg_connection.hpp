#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "store/backend.hpp"

struct pg_conn;
struct pg_result;

namespace camgate::store::postgres {

// True for postgresql:// and postgres:// URLs (libpq's own two schemes).
bool is_postgresql_url(std::string_view url);

struct result_deleter {
  void operator()(pg_result* r) const;
};
using result_ptr = std::unique_ptr<pg_result, result_deleter>;

// One libpq connection. Opening fails with a store::error naming host, port, database
// and libpq's reason (never the password). When the server goes away, the failing call
// throws store::unavailable; the next use reconnects (PQreset), and while that keeps
// failing, retries wait a backoff (250 ms doubling to 5 s) during which calls fail at
// once. A connection lost inside a transaction stays failed until the rollback.
class pg_connection final : public connection {
 public:
  explicit pg_connection(std::string url);
  ~pg_connection() override;

  store::dialect dialect() const override { return store::dialect::postgresql; }
  std::unique_ptr<cursor> prepare(std::string_view sql) override;
  void exec(std::string_view sql) override;
  void begin(bool write) override;
  void commit() override;
  void rollback() noexcept override;
  int schema_version() override;
  int migrate() override;
  std::int64_t data_version() override;
  std::string describe() const override { return where_; }

  // Runs `sql` ($1.. placeholders) with text parameters (nullptr: NULL); throws the
  // store exception matching the failure. For pg_cursor.
  result_ptr run(const std::string& sql, int count, const char* const* values);

 private:
  pg_conn* usable();
  [[noreturn]] void fail(const pg_result* r, std::string_view what);
  std::int64_t scalar(const std::string& sql);

  std::string url_;
  std::string where_;
  pg_conn* conn_ = nullptr;
  bool in_transaction_ = false;
  bool broken_ = false;
  std::chrono::steady_clock::time_point next_try_{};
  std::chrono::milliseconds backoff_{250};
};

}  // namespace camgate::store::postgres
