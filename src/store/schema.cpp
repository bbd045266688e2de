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

// Bookings bind access to time windows; a robot is a bookable device whose identity is a
// users row with role 'robot'. A booking names its resource by kind and id (no foreign
// key can), so triggers keep it honest: it must name an existing camera or robot, and
// it goes when that resource goes, otherwise a new camera reusing the id (SQLite reuses
// the highest freed rowid) would inherit the old camera's bookings.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE robots (
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  user_id INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
);
CREATE TRIGGER robots_need_robot_user_insert BEFORE INSERT ON robots
WHEN (SELECT role FROM users WHERE id = NEW.user_id) <> 'robot'
BEGIN SELECT RAISE(ABORT, 'the user is not a robot account'); END;
CREATE TRIGGER robots_need_robot_user_update BEFORE UPDATE OF user_id ON robots
WHEN (SELECT role FROM users WHERE id = NEW.user_id) <> 'robot'
BEGIN SELECT RAISE(ABORT, 'the user is not a robot account'); END;
CREATE TABLE bookings (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  resource_kind TEXT NOT NULL CHECK (resource_kind IN ('camera', 'robot')),
  resource_id INTEGER NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX bookings_by_user_resource ON bookings (user_id, resource_kind, resource_id, ends_at);
CREATE INDEX bookings_by_resource ON bookings (resource_kind, resource_id, starts_at);
CREATE INDEX bookings_by_creator ON bookings (created_by);
CREATE TRIGGER bookings_need_resource_insert BEFORE INSERT ON bookings
WHEN NEW.resource_kind IN ('camera', 'robot') AND NOT EXISTS (
  SELECT 1 FROM cameras WHERE NEW.resource_kind = 'camera' AND id = NEW.resource_id
  UNION ALL
  SELECT 1 FROM robots WHERE NEW.resource_kind = 'robot' AND id = NEW.resource_id)
BEGIN SELECT RAISE(ABORT, 'the booked resource does not exist'); END;
CREATE TRIGGER bookings_need_resource_update BEFORE UPDATE OF resource_kind, resource_id ON bookings
WHEN NEW.resource_kind IN ('camera', 'robot') AND NOT EXISTS (
  SELECT 1 FROM cameras WHERE NEW.resource_kind = 'camera' AND id = NEW.resource_id
  UNION ALL
  SELECT 1 FROM robots WHERE NEW.resource_kind = 'robot' AND id = NEW.resource_id)
BEGIN SELECT RAISE(ABORT, 'the booked resource does not exist'); END;
CREATE TRIGGER cameras_drop_bookings AFTER DELETE ON cameras
BEGIN DELETE FROM bookings WHERE resource_kind = 'camera' AND resource_id = OLD.id; END;
CREATE TRIGGER robots_drop_bookings AFTER DELETE ON robots
BEGIN DELETE FROM bookings WHERE resource_kind = 'robot' AND resource_id = OLD.id; END;
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  user_id INTEGER,
  user_name TEXT NOT NULL,
  resource_kind TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  protocol TEXT NOT NULL,
  remote TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT
);
CREATE INDEX audit_log_by_start ON audit_log (started_at);
CREATE INDEX audit_log_by_user ON audit_log (user_id);
CREATE INDEX audit_log_open ON audit_log (id) WHERE ended_at IS NULL;
)sql";

// Tokens name a user by id, so an id must never come back: AUTOINCREMENT, and the
// sequence starts above every id ever handed out (the audit log still names deleted
// users). token_gen is the generation a token must carry: bumped by the trigger on a
// role or password change and by logout, so older tokens stop working. SQLite cannot
// alter a primary key: the table is rebuilt (database::migrate runs this with foreign
// keys off and checks them after); the robots triggers name users, so they are dropped
// for the rename and created again.
constexpr std::string_view kV3 = R"sql(
DROP TRIGGER robots_need_robot_user_insert;
DROP TRIGGER robots_need_robot_user_update;
CREATE TABLE users_v3 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'user', 'robot')),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  token_gen INTEGER NOT NULL DEFAULT 1
);
INSERT INTO users_v3 (id, name, role, password_hash, created_at)
  SELECT id, name, role, password_hash, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_v3 RENAME TO users;
INSERT INTO sqlite_sequence (name, seq) SELECT 'users', 0
  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users');
UPDATE sqlite_sequence SET seq = MAX(seq,
  (SELECT COALESCE(MAX(user_id), 0) FROM audit_log),
  (SELECT COALESCE(MAX(created_by), 0) FROM bookings)) WHERE name = 'users';
CREATE TRIGGER robots_need_robot_user_insert BEFORE INSERT ON robots
WHEN (SELECT role FROM users WHERE id = NEW.user_id) <> 'robot'
BEGIN SELECT RAISE(ABORT, 'the user is not a robot account'); END;
CREATE TRIGGER robots_need_robot_user_update BEFORE UPDATE OF user_id ON robots
WHEN (SELECT role FROM users WHERE id = NEW.user_id) <> 'robot'
BEGIN SELECT RAISE(ABORT, 'the user is not a robot account'); END;
CREATE TRIGGER users_revoke_tokens AFTER UPDATE OF role, password_hash ON users
WHEN OLD.role IS NOT NEW.role OR OLD.password_hash IS NOT NEW.password_hash
BEGIN UPDATE users SET token_gen = token_gen + 1 WHERE id = NEW.id; END;
)sql";

// Recordings (issue 14): one row per file. A recording names its resource like a booking
// does and, when a booking started it, that booking and its user; both outlive their
// booking (SET NULL): a clinic's record stays when the schedule changes.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE recordings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  resource_kind TEXT NOT NULL CHECK (resource_kind IN ('camera', 'robot')),
  resource_id INTEGER NOT NULL,
  booking_id INTEGER REFERENCES bookings(id) ON DELETE SET NULL,
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  reason TEXT NOT NULL CHECK (reason IN ('booking', 'continuous', 'demand')),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  bytes INTEGER NOT NULL DEFAULT 0,
  frames INTEGER NOT NULL DEFAULT 0,
  path TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL DEFAULT 'recording'
    CHECK (state IN ('recording', 'complete', 'damaged', 'offloaded')),
  remote_url TEXT
);
CREATE INDEX recordings_by_resource ON recordings (resource_kind, resource_id, started_at);
CREATE INDEX recordings_by_booking ON recordings (booking_id);
CREATE INDEX recordings_by_state ON recordings (state);
-- A camera's or robot's own recording policy, over [recording] policy.
CREATE TABLE recording_policies (
  resource_kind TEXT NOT NULL CHECK (resource_kind IN ('camera', 'robot')),
  resource_id INTEGER NOT NULL,
  policy TEXT NOT NULL CHECK (policy IN ('off', 'bookings', 'continuous')),
  PRIMARY KEY (resource_kind, resource_id)
);
)sql";

// Analysis (issue 15): a camera's or robot's own analysis profile (JSON, checked by
// analysis::profile), and the events analysis produced, kept for the history and the
// page's charts until retention removes them.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE analysis_profiles (
  resource_kind TEXT NOT NULL CHECK (resource_kind IN ('camera', 'robot')),
  resource_id INTEGER NOT NULL,
  profile TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  PRIMARY KEY (resource_kind, resource_id)
);
CREATE TABLE analysis_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  resource_kind TEXT NOT NULL CHECK (resource_kind IN ('camera', 'robot')),
  resource_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  at_us INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX analysis_events_by_resource ON analysis_events (resource_kind, resource_id, at_us);
CREATE INDEX analysis_events_by_time ON analysis_events (at_us);
)sql";

// Rotating refresh tokens (issue 18): a family is one login's chain of refresh tokens;
// each token is kept only as its SHA-256 (hex) and is used once, replaced by the next.
// A family carries the user's token generation at login: bumping it (logout, role or
// password change) revokes the family here, for the sessions list, and the service
// also refuses any family whose generation is behind. Families go with their user.
constexpr std::string_view kV6 = R"sql(
CREATE TABLE refresh_families (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_gen INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER,
  remote TEXT NOT NULL DEFAULT '',
  revoked_at INTEGER,
  reason TEXT
);
CREATE INDEX refresh_families_by_user ON refresh_families (user_id);
CREATE INDEX refresh_families_by_expiry ON refresh_families (expires_at);
CREATE TABLE refresh_tokens (
  hash TEXT PRIMARY KEY,
  family_id INTEGER NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  replaced_by TEXT
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE TRIGGER users_revoke_refresh AFTER UPDATE OF token_gen ON users
WHEN NEW.token_gen > OLD.token_gen
BEGIN
  UPDATE refresh_families
     SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER),
         reason = 'tokens revoked (logout, role or password change)'
   WHERE user_id = NEW.id AND revoked_at IS NULL AND token_gen < NEW.token_gen;
END;
)sql";

// In a cluster each recording's file lives on the node that wrote it: the row says which
// ('' on a single gateway), so another node answers for it instead of looking on its own
// disk, and repairs, retention and offload touch only their own node's rows.
constexpr std::string_view kV7 = R"sql(
ALTER TABLE recordings ADD COLUMN node TEXT NOT NULL DEFAULT '';
CREATE INDEX recordings_by_node ON recordings (node, state);
)sql";

constexpr std::array<std::string_view, 7> kSteps = {kV1, kV2, kV3, kV4, kV5, kV6, kV7};

}  // namespace

std::span<const std::string_view> schema_migrations() {
  return kSteps;
}

}  // namespace camgate::store
