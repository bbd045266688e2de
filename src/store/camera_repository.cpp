#include "store/camera_repository.hpp"

#include "core/clock.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/statement.hpp"

namespace camgate::store {
namespace {

constexpr std::string_view kColumns = "id, name, host, port, url, origin, created_by, created_at";

camera_record read_camera(const statement& s) {
  camera_record c;
  c.id = s.column_int64(0);
  c.name = s.column_text(1);
  c.host = s.column_text(2);
  c.port = static_cast<int>(s.column_int64(3));
  c.url = s.column_text(4);
  c.origin = s.column_text(5);
  if (!s.column_is_null(6)) c.created_by = s.column_int64(6);
  c.created_at = s.column_int64(7);
  return c;
}

std::string select_where(std::string_view condition) {
  return "SELECT " + std::string(kColumns) + " FROM cameras WHERE " + std::string(condition);
}

}  // namespace

camera_record camera_repository::add(const camera_record& camera) {
  statement s(db_,
              "INSERT INTO cameras (name, host, port, url, origin, created_by, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING " +
                  std::string(kColumns));
  s.bind_text(1, camera.name).bind_text(2, camera.host).bind_int64(3, camera.port);
  s.bind_text(4, camera.url).bind_text(5, camera.origin);
  if (camera.created_by) {
    s.bind_int64(6, *camera.created_by);
  } else {
    s.bind_null(6);
  }
  s.bind_int64(7, camera.created_at != 0 ? camera.created_at : core::unix_micros() / 1'000'000);
  try {
    s.step();
  } catch (const not_found& e) {
    throw not_found("cannot add camera '" + camera.name + "': its creator (user " +
                        std::to_string(camera.created_by.value_or(0)) + ") does not exist",
                    e.code());
  } catch (const error& e) {
    if (e.kind() != error_kind::check) throw;
    throw error("cannot add camera '" + camera.name + "': unknown origin '" + camera.origin +
                    "' (expected api or setup)",
                e.code());
  }
  camera_record added = read_camera(s);
  s.step();  // runs the statement to its end, which commits the implicit transaction
  return added;
}

std::optional<camera_record> camera_repository::get(std::int64_t id) {
  statement s(db_, select_where("id = ?"));
  s.bind_int64(1, id);
  if (!s.step()) return std::nullopt;
  return read_camera(s);
}

std::vector<camera_record> camera_repository::list() {
  statement s(db_, "SELECT " + std::string(kColumns) + " FROM cameras ORDER BY id");
  std::vector<camera_record> out;
  while (s.step()) out.push_back(read_camera(s));
  return out;
}

bool camera_repository::remove(std::int64_t id) {
  statement s(db_, "DELETE FROM cameras WHERE id = ?");
  s.bind_int64(1, id);
  return s.execute() > 0;
}

std::optional<camera_record> camera_repository::find_by_address(std::string_view host, int port) {
  // Each matches its backend's index: (host COLLATE NOCASE, port), (lower(host), port).
  statement s(db_, select_where(db_.dialect() == dialect::sqlite
                                    ? "host = ? COLLATE NOCASE AND port = ? ORDER BY id LIMIT 1"
                                    : "lower(host) = lower(?) AND port = ? ORDER BY id LIMIT 1"));
  s.bind_text(1, host).bind_int64(2, port);
  if (!s.step()) return std::nullopt;
  return read_camera(s);
}

bool camera_repository::rename(std::int64_t id, std::string_view name) {
  statement s(db_, "UPDATE cameras SET name = ? WHERE id = ?");
  s.bind_text(1, name).bind_int64(2, id);
  return s.execute() > 0;
}

}  // namespace camgate::store
