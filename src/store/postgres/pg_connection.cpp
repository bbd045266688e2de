#include "store/postgres/pg_connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include <libpq-fe.h>

#include "core/clock.hpp"
#include "store/error.hpp"
#include "store/postgres/pg_cursor.hpp"
#include "store/postgres/pg_schema.hpp"

namespace camgate::store::postgres {
namespace {

// Serialises schema migrations of every gateway sharing the database ("camgate").
constexpr long long kMigrationLock = 0x63616d67617465;
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

// libpq's messages span lines ("...failed: Connection refused\n\tIs the server
// running..."): one line for the log.
std::string one_line(const char* text) {
  std::string out;
  bool space = false;
  for (const char* p = text; p != nullptr && *p != '\0'; ++p) {
    const bool blank = *p == '\n' || *p == '\t' || *p == '\r' || *p == ' ';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += *p;
  }
  return out;
}

std::string where_of(const PGconn* c) {
  const char* host = PQhost(c);
  const char* port = PQport(c);
  const char* db = PQdb(c);
  std::string h = host != nullptr && *host != '\0' ? host : "localhost";
  if (!h.empty() && h.front() == '/') h = "socket " + h;
  return "PostgreSQL at " + h + ":" + (port != nullptr && *port != '\0' ? port : "5432") + "/" +
         (db != nullptr ? db : "");
}

// Connection lost, server shutting down or not accepting connections yet.
bool is_unavailable(const PGconn* c, const char* state) {
  if (PQstatus(c) == CONNECTION_BAD) return true;
  if (state == nullptr) return false;
  return std::strncmp(state, "08", 2) == 0 || std::strcmp(state, "57P01") == 0 ||
         std::strcmp(state, "57P02") == 0 || std::strcmp(state, "57P03") == 0;
}

}  // namespace

bool is_postgresql_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

void result_deleter::operator()(pg_result* r) const {
  PQclear(r);
}

pg_connection::pg_connection(std::string url) : url_(std::move(url)) {
  // connect_timeout first: the URL's own value, when it has one, wins.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "camgate", url_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (conn_ == nullptr) throw error("cannot connect to PostgreSQL: out of memory");
  where_ = where_of(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string reason = one_line(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw error("cannot connect to " + where_ + ": " + reason);
  }
  // NOTICEs ("relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

pg_connection::~pg_connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

pg_conn* pg_connection::usable() {
  if (!broken_ && PQstatus(conn_) == CONNECTION_OK) return conn_;
  broken_ = true;
  // The transaction that was open is gone with the connection: its remaining
  // statements fail until the caller rolls back.
  if (in_transaction_) throw unavailable("database unavailable: " + where_ + " went away");
  const auto now = std::chrono::steady_clock::now();
  if (now < next_try_) throw unavailable("database unavailable: " + where_ + " is unreachable");
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    next_try_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    throw unavailable("database unavailable: " + where_ + ": " + one_line(PQerrorMessage(conn_)));
  }
  spdlog::info("store: reconnected to {}", where_);
  broken_ = false;
  backoff_ = kFirstBackoff;
  return conn_;
}

void pg_connection::fail(const pg_result* r, std::string_view what) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string reason =
      one_line(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
  const std::string message = std::string(what) + ": " + reason;
  if (is_unavailable(conn_, state)) {
    broken_ = true;
    next_try_ = {};  // the next use tries at once
    throw unavailable("database unavailable: " + where_ + ": " + reason);
  }
  const std::string_view s = state != nullptr ? state : "";
  if (s == "23505") throw conflict(message);
  if (s == "23503") throw not_found(message);
  if (s == "23514") throw error(message, 0, error_kind::check);
  if (s == "P0001") throw error(message, 0, error_kind::raised);
  throw error(message);
}

result_ptr pg_connection::run(const std::string& sql, int count, const char* const* values) {
  PGconn* c = usable();
  result_ptr r(PQexecParams(c, sql.c_str(), count, nullptr, values, nullptr, nullptr, 0));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    fail(r.get(), "\"" + sql + "\" failed");
  return r;
}

std::unique_ptr<cursor> pg_connection::prepare(std::string_view sql) {
  return std::make_unique<pg_cursor>(*this, sql);
}

void pg_connection::exec(std::string_view sql) {
  PGconn* c = usable();
  result_ptr r(PQexec(c, std::string(sql).c_str()));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(r.get(), "SQL failed");
}

void pg_connection::begin(bool write) {
  // Reads see one snapshot across their statements (users, robots, bookings together).
  exec(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  in_transaction_ = true;
}

void pg_connection::commit() {
  exec("COMMIT");
  in_transaction_ = false;
}

void pg_connection::rollback() noexcept {
  in_transaction_ = false;
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

std::int64_t pg_connection::scalar(const std::string& sql) {
  auto r = run(sql, 0, nullptr);
  if (PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0)) return 0;
  return std::strtoll(PQgetvalue(r.get(), 0, 0), nullptr, 10);
}

int pg_connection::schema_version() {
  return static_cast<int>(scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
}

std::int64_t pg_connection::data_version() {
  return scalar("SELECT version FROM store_changes");
}

int pg_connection::migrate() {
  const auto steps = schema_migrations();
  const int known = static_cast<int>(steps.size());
  int applied = 0;
  for (;;) {
    // One step per transaction, under an advisory lock: gateways starting together on
    // one database take turns, and the second finds the work done. PostgreSQL's DDL is
    // transactional, so a failed step leaves the previous version whole.
    begin(true);
    struct end_tx {
      pg_connection* c;
      bool done = false;
      ~end_tx() {
        if (!done) c->rollback();
      }
    } tx{this};
    exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
    exec(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    const int current = schema_version();
    if (current > known) {
      throw error(where_ + " has schema version " + std::to_string(current) +
                  " but this camgate knows only up to version " + std::to_string(known) +
                  ": upgrade camgate or point it at another database");
    }
    if (current == known) {
      commit();
      tx.done = true;
      return applied;
    }
    try {
      exec(steps[static_cast<std::size_t>(current)]);
    } catch (const error& e) {
      throw error("migrating " + where_ + " to schema version " + std::to_string(current + 1) +
                      " failed: " + e.what(),
                  0, e.kind());
    }
    exec("INSERT INTO schema_version (version, applied_at) VALUES (" + std::to_string(current + 1) +
         ", " + std::to_string(core::unix_micros() / 1'000'000) + ")");
    commit();
    tx.done = true;
    ++applied;
  }
}

}  // namespace camgate::store::postgres
