#include "store/recording_repository.hpp"

#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/statement.hpp"

namespace camgate::store {
namespace {

constexpr std::string_view kColumns =
    "id, resource_kind, resource_id, booking_id, user_id, reason, started_at, ended_at, bytes, "
    "frames, path, state, remote_url, node";

recording_row read_recording(const statement& s) {
  recording_row r;
  r.id = s.column_int64(0);
  r.resource_kind = s.column_text(1);
  r.resource_id = s.column_int64(2);
  if (!s.column_is_null(3)) r.booking_id = s.column_int64(3);
  if (!s.column_is_null(4)) r.user_id = s.column_int64(4);
  r.reason = s.column_text(5);
  r.started_at = s.column_int64(6);
  if (!s.column_is_null(7)) r.ended_at = s.column_int64(7);
  r.bytes = s.column_int64(8);
  r.frames = s.column_int64(9);
  r.path = s.column_text(10);
  r.state = s.column_text(11);
  if (!s.column_is_null(12)) r.remote_url = s.column_text(12);
  r.node = s.column_text(13);
  return r;
}

std::string select_where(const std::string& condition) {
  return "SELECT " + std::string(kColumns) + " FROM recordings WHERE " + condition;
}

void bind_optional(statement& s, int i, const std::optional<std::int64_t>& v) {
  if (v)
    s.bind_int64(i, *v);
  else
    s.bind_null(i);
}

}  // namespace

recording_row recording_repository::start(const recording_row& r) {
  statement s(db_,
              "INSERT INTO recordings (resource_kind, resource_id, booking_id, user_id, reason, "
              "started_at, path, node) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING " +
                  std::string(kColumns));
  s.bind_text(1, r.resource_kind).bind_int64(2, r.resource_id);
  bind_optional(s, 3, r.booking_id);
  bind_optional(s, 4, r.user_id);
  s.bind_text(5, r.reason);
  s.bind_int64(6, r.started_at != 0 ? r.started_at : core::unix_micros() / 1'000'000);
  s.bind_text(7, r.path);
  s.bind_text(8, node_);
  try {
    s.step();
  } catch (const conflict&) {
    throw;  // the path is taken
  } catch (const not_found& e) {
    throw not_found("cannot record: booking " + std::to_string(r.booking_id.value_or(0)) +
                        " or user " + std::to_string(r.user_id.value_or(0)) + " does not exist",
                    e.code());
  } catch (const error& e) {
    if (e.kind() != error_kind::check) throw;
    throw error("cannot record: resource kind '" + r.resource_kind + "' or reason '" + r.reason +
                    "' is not known",
                e.code());
  }
  recording_row added = read_recording(s);
  s.step();  // to the end: commits the implicit transaction
  return added;
}

bool recording_repository::finish(std::int64_t id, std::int64_t ended_at, std::int64_t bytes,
                                  std::int64_t frames, const std::string& state) {
  statement s(db_,
              "UPDATE recordings SET ended_at = ?, bytes = ?, frames = ?, state = ? WHERE id = ?");
  s.bind_int64(1, ended_at).bind_int64(2, bytes).bind_int64(3, frames).bind_text(4, state);
  s.bind_int64(5, id);
  try {
    return s.execute() > 0;
  } catch (const error& e) {
    if (e.kind() != error_kind::check) throw;
    throw error("unknown recording state '" + state + "'", e.code());
  }
}

bool recording_repository::progress(std::int64_t id, std::int64_t bytes, std::int64_t frames) {
  statement s(db_,
              "UPDATE recordings SET bytes = ?, frames = ? WHERE id = ? AND state = "
              "'recording'");
  s.bind_int64(1, bytes).bind_int64(2, frames).bind_int64(3, id);
  return s.execute() > 0;
}

bool recording_repository::offloaded(std::int64_t id, const std::string& remote_url) {
  statement s(db_,
              "UPDATE recordings SET state = 'offloaded', remote_url = ? WHERE id = ? AND state "
              "= 'complete'");
  s.bind_text(1, remote_url).bind_int64(2, id);
  return s.execute() > 0;
}

bool recording_repository::set_started(std::int64_t id, std::int64_t started_at) {
  statement s(db_, "UPDATE recordings SET started_at = ? WHERE id = ?");
  s.bind_int64(1, started_at).bind_int64(2, id);
  return s.execute() > 0;
}

std::optional<recording_row> recording_repository::get(std::int64_t id) {
  statement s(db_, select_where("id = ?"));
  s.bind_int64(1, id);
  if (!s.step()) return std::nullopt;
  return read_recording(s);
}

std::vector<recording_row> recording_repository::list(const recording_filter& f) {
  if (f.resource_id && !f.resource_kind)
    throw error("a recording filter with resource_id needs resource_kind (camera or robot)");
  std::string where = "TRUE";
  if (f.resource_kind) where += " AND resource_kind = ?";
  if (f.resource_id) where += " AND resource_id = ?";
  if (f.booking_id) where += " AND booking_id = ?";
  if (f.user_id) where += " AND user_id = ?";
  if (f.state) where += " AND state = ?";
  if (f.node) where += " AND node = ?";
  if (f.from) where += " AND COALESCE(ended_at, ?) > ?";
  if (f.to) where += " AND started_at < ?";
  statement s(db_, select_where(where + " ORDER BY started_at, id"));
  int i = 0;
  if (f.resource_kind) s.bind_text(++i, *f.resource_kind);
  if (f.resource_id) s.bind_int64(++i, *f.resource_id);
  if (f.booking_id) s.bind_int64(++i, *f.booking_id);
  if (f.user_id) s.bind_int64(++i, *f.user_id);
  if (f.state) s.bind_text(++i, *f.state);
  if (f.node) s.bind_text(++i, *f.node);
  if (f.from) {
    s.bind_int64(++i, core::unix_micros() / 1'000'000);  // still recording: ends now
    s.bind_int64(++i, *f.from);
  }
  if (f.to) s.bind_int64(++i, *f.to);
  std::vector<recording_row> out;
  while (s.step()) out.push_back(read_recording(s));
  return out;
}

bool recording_repository::remove(std::int64_t id) {
  statement s(db_, "DELETE FROM recordings WHERE id = ?");
  s.bind_int64(1, id);
  return s.execute() > 0;
}

void recording_repository::set_policy(const std::string& resource_kind, std::int64_t resource_id,
                                      const std::optional<std::string>& policy) {
  try {
    if (!policy) {
      statement s(db_,
                  "DELETE FROM recording_policies WHERE resource_kind = ? AND resource_id = ?");
      s.bind_text(1, resource_kind).bind_int64(2, resource_id);
      s.execute();
      return;
    }
    statement s(
        db_,
        "INSERT INTO recording_policies (resource_kind, resource_id, policy) VALUES (?, ?, "
        "?) ON CONFLICT (resource_kind, resource_id) DO UPDATE SET policy = excluded.policy");
    s.bind_text(1, resource_kind).bind_int64(2, resource_id).bind_text(3, *policy);
    s.execute();
  } catch (const error& e) {
    if (e.kind() != error_kind::check) throw;
    throw error(
        "unknown recording policy '" + *policy + "' or resource kind '" + resource_kind + "'",
        e.code());
  }
}

std::optional<std::string> recording_repository::policy_of(const std::string& resource_kind,
                                                           std::int64_t resource_id) {
  statement s(db_,
              "SELECT policy FROM recording_policies WHERE resource_kind = ? AND resource_id = ?");
  s.bind_text(1, resource_kind).bind_int64(2, resource_id);
  if (!s.step()) return std::nullopt;
  return s.column_text(0);
}

std::map<std::pair<std::string, std::int64_t>, std::string> recording_repository::policies() {
  statement s(db_, "SELECT resource_kind, resource_id, policy FROM recording_policies");
  std::map<std::pair<std::string, std::int64_t>, std::string> out;
  while (s.step()) out[{s.column_text(0), s.column_int64(1)}] = s.column_text(2);
  return out;
}

}  // namespace camgate::store
