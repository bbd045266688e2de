#include "store/schema.hpp"

#include <array>

namespace camgate::store {
namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'user', 'robot')),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE cameras (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'setup')),
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX cameras_by_address ON cameras (host COLLATE NOCASE, port);
CREATE INDEX cameras_by_creator ON cameras (created_by);
CREATE TABLE camera_selections (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  camera_id INTEGER NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  selected_at INTEGER NOT NULL
);
CREATE INDEX camera_selections_by_camera ON camera_selections (camera_id);
)sql";

constexpr std::array<std::string_view, 1> kSteps = {kV1};

}  // namespace

std::span<const std::string_view> schema_migrations() {
  return kSteps;
}

}  // namespace camgate::store
