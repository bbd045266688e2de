#include "store/analysis_repository.hpp"

#include "store/database.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"

namespace camgate::store {
namespace {

analysis_profile_row read_profile(const statement& s) {
  analysis_profile_row r;
  r.resource_kind = s.column_text(0);
  r.resource_id = s.column_int64(1);
  r.profile = s.column_text(2);
  r.updated_at = s.column_int64(3);
  if (!s.column_is_null(4)) r.updated_by = s.column_int64(4);
  return r;
}

constexpr std::string_view kProfileColumns =
    "resource_kind, resource_id, profile, updated_at, updated_by";

}  // namespace

void analysis_repository::set_profile(const analysis_profile_row& row) {
  statement s(db_,
              "INSERT INTO analysis_profiles (resource_kind, resource_id, profile, updated_at, "
              "updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (resource_kind, resource_id) DO "
              "UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at, "
              "updated_by = excluded.updated_by");
  s.bind_text(1, row.resource_kind).bind_int64(2, row.resource_id).bind_text(3, row.profile);
  s.bind_int64(4, row.updated_at);
  if (row.updated_by)
    s.bind_int64(5, *row.updated_by);
  else
    s.bind_null(5);
  s.execute();
}

std::optional<analysis_profile_row> analysis_repository::profile_of(const std::string& kind,
                                                                    std::int64_t id) {
  statement s(db_, "SELECT " + std::string(kProfileColumns) +
                       " FROM analysis_profiles WHERE resource_kind = ? AND resource_id = ?");
  s.bind_text(1, kind).bind_int64(2, id);
  if (!s.step()) return std::nullopt;
  return read_profile(s);
}

std::vector<analysis_profile_row> analysis_repository::profiles() {
  statement s(db_, "SELECT " + std::string(kProfileColumns) +
                       " FROM analysis_profiles ORDER BY resource_kind, resource_id");
  std::vector<analysis_profile_row> out;
  while (s.step()) out.push_back(read_profile(s));
  return out;
}

bool analysis_repository::remove_profile(const std::string& kind, std::int64_t id) {
  statement s(db_, "DELETE FROM analysis_profiles WHERE resource_kind = ? AND resource_id = ?");
  s.bind_text(1, kind).bind_int64(2, id);
  return s.execute() > 0;
}

void analysis_repository::append(const std::vector<analysis_event_row>& rows) {
  if (rows.empty()) return;
  transaction t(db_);
  statement s(db_,
              "INSERT INTO analysis_events (resource_kind, resource_id, type, at_us, body) "
              "VALUES (?, ?, ?, ?, ?)");
  for (const auto& r : rows) {
    s.bind_text(1, r.resource_kind).bind_int64(2, r.resource_id).bind_text(3, r.type);
    s.bind_int64(4, r.at_us).bind_text(5, r.body);
    s.execute();
    s.reset();
  }
  t.commit();
}

std::vector<analysis_event_row> analysis_repository::events(const analysis_event_filter& f) {
  std::string sql =
      "SELECT id, resource_kind, resource_id, type, at_us, body FROM analysis_events WHERE "
      "resource_kind = ? AND resource_id = ?";
  if (f.type) sql += " AND type = ?";
  if (f.from_us) sql += " AND at_us >= ?";
  if (f.to_us) sql += " AND at_us < ?";
  sql += " ORDER BY at_us DESC, id DESC LIMIT ?";
  statement s(db_, sql);
  int i = 1;
  s.bind_text(1, f.resource_kind).bind_int64(2, f.resource_id);
  i = 3;
  if (f.type) s.bind_text(i++, *f.type);
  if (f.from_us) s.bind_int64(i++, *f.from_us);
  if (f.to_us) s.bind_int64(i++, *f.to_us);
  s.bind_int64(i, f.limit);
  std::vector<analysis_event_row> out;
  while (s.step()) {
    analysis_event_row r;
    r.id = s.column_int64(0);
    r.resource_kind = s.column_text(1);
    r.resource_id = s.column_int64(2);
    r.type = s.column_text(3);
    r.at_us = s.column_int64(4);
    r.body = s.column_text(5);
    out.push_back(std::move(r));
  }
  return {out.rbegin(), out.rend()};
}

std::int64_t analysis_repository::prune(std::int64_t before_us, std::int64_t keep_at_most) {
  transaction t(db_);
  statement old(db_, "DELETE FROM analysis_events WHERE at_us < ?");
  old.bind_int64(1, before_us);
  auto removed = old.execute();
  statement over(db_,
                 "DELETE FROM analysis_events WHERE id <= (SELECT id FROM analysis_events "
                 "ORDER BY id DESC LIMIT 1 OFFSET ?)");
  over.bind_int64(1, keep_at_most);
  removed += over.execute();
  t.commit();
  return removed;
}

std::int64_t analysis_repository::count() {
  statement s(db_, "SELECT COUNT(*) FROM analysis_events");
  s.step();
  return s.column_int64(0);
}

}  // namespace camgate::store
