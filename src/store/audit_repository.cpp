#include "store/audit_repository.hpp"

#include <algorithm>

#include "store/database.hpp"
#include "store/error.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"

namespace camgate::store {
namespace {

constexpr std::string_view kColumns =
    "id, user_id, user_name, resource_kind, resource_id, protocol, remote, started_at, "
    "ended_at, end_reason";

audit_entry read_entry(const statement& s) {
  audit_entry a;
  a.id = s.column_int64(0);
  if (!s.column_is_null(1)) a.user_id = s.column_int64(1);
  a.user_name = s.column_text(2);
  a.resource_kind = s.column_text(3);
  a.resource_id = s.column_int64(4);
  a.protocol = s.column_text(5);
  a.remote = s.column_text(6);
  a.started_at = s.column_int64(7);
  if (!s.column_is_null(8)) a.ended_at = s.column_int64(8);
  if (!s.column_is_null(9)) a.end_reason = s.column_text(9);
  return a;
}

// The later of two values: SQLite's two-argument MAX, PostgreSQL's GREATEST.
std::string later(database& db, std::string_view a, std::string_view b) {
  return std::string(db.dialect() == dialect::sqlite ? "MAX(" : "GREATEST(") + std::string(a) +
         ", " + std::string(b) + ")";
}

std::string end_sql(database& db) {
  return "UPDATE audit_log SET ended_at = " + later(db, "started_at", "?") +
         ", end_reason = ? WHERE id = ? AND ended_at IS NULL";
}

}  // namespace

std::int64_t audit_repository::begin(std::optional<std::int64_t> user_id,
                                     std::string_view user_name, std::string_view resource_kind,
                                     std::int64_t resource_id, std::string_view protocol,
                                     std::string_view remote, std::int64_t started_at) {
  statement s(db_,
              "INSERT INTO audit_log (user_id, user_name, resource_kind, resource_id, protocol, "
              "remote, started_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (user_id) {
    s.bind_int64(1, *user_id);
  } else {
    s.bind_null(1);
  }
  s.bind_text(2, user_name).bind_text(3, resource_kind).bind_int64(4, resource_id);
  s.bind_text(5, protocol).bind_text(6, remote).bind_int64(7, started_at);
  s.step();
  const std::int64_t id = s.column_int64(0);
  s.step();  // runs the statement to its end, which commits the implicit transaction
  return id;
}

bool audit_repository::end(std::int64_t id, std::int64_t ended_at, std::string_view reason) {
  // MAX: a stream never ends before it started, even if the clock stepped back.
  statement s(db_, end_sql(db_));
  s.bind_int64(1, ended_at).bind_text(2, reason).bind_int64(3, id);
  return s.execute() > 0;
}

std::int64_t audit_repository::end(std::span<const std::int64_t> ids, std::int64_t ended_at,
                                   std::string_view reason) {
  if (ids.empty()) return 0;
  transaction tx(db_);
  statement s(db_, end_sql(db_));
  s.bind_int64(1, ended_at).bind_text(2, reason);
  std::int64_t ended = 0;
  for (const std::int64_t id : ids) {
    s.bind_int64(3, id);
    ended += s.execute();  // execute() resets, keeping the other bindings
  }
  tx.commit();
  return ended;
}

std::vector<audit_entry> audit_repository::list(const audit_filter& filter) {
  if (filter.resource_id && !filter.resource_kind) {
    throw error("an audit filter with resource_id needs resource_kind (camera or robot)");
  }
  // Only the conditions asked for, so SQLite can pick the index that fits them.
  std::string where = "TRUE";
  if (filter.user_id) where += " AND user_id = ?";
  if (filter.resource_kind) where += " AND resource_kind = ?";
  if (filter.resource_id) where += " AND resource_id = ?";
  if (filter.since) where += " AND started_at >= ?";
  if (filter.until) where += " AND started_at < ?";
  if (filter.protocol) where += " AND protocol = ?";
  statement s(db_, "SELECT " + std::string(kColumns) + " FROM audit_log WHERE " + where +
                       " ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?");
  int i = 0;
  if (filter.user_id) s.bind_int64(++i, *filter.user_id);
  if (filter.resource_kind) s.bind_text(++i, *filter.resource_kind);
  if (filter.resource_id) s.bind_int64(++i, *filter.resource_id);
  if (filter.since) s.bind_int64(++i, *filter.since);
  if (filter.until) s.bind_int64(++i, *filter.until);
  if (filter.protocol) s.bind_text(++i, *filter.protocol);
  s.bind_int64(++i, std::clamp(filter.limit, 1, audit_filter::max_limit));
  s.bind_int64(++i, std::max(filter.offset, 0));
  std::vector<audit_entry> out;
  while (s.step()) out.push_back(read_entry(s));
  return out;
}

std::optional<audit_entry> audit_repository::get(std::int64_t id) {
  statement s(db_, "SELECT " + std::string(kColumns) + " FROM audit_log WHERE id = ?");
  s.bind_int64(1, id);
  if (!s.step()) return std::nullopt;
  return read_entry(s);
}

std::int64_t audit_repository::close_dangling(std::int64_t now, std::string_view reason) {
  // Served by the partial index audit_log_open.
  statement s(db_, "UPDATE audit_log SET ended_at = " + later(db_, "started_at", "?") +
                       ", end_reason = ? WHERE ended_at IS NULL");
  s.bind_int64(1, now).bind_text(2, reason);
  return s.execute();
}

}  // namespace camgate::store
