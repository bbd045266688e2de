// Schema v3 (ids never reused, token generations), the access rows the index is built
// from, and the change watch that follows other processes' writes.
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "store/access_rows.hpp"
#include "store/booking_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/change_watch.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "store/user_repository.hpp"
#include "store_fixture.hpp"

using namespace camgate::store;
using namespace std::chrono_literals;

namespace {

class access_store_test : public store_fixture {};

std::int64_t scalar(database& db, std::string_view sql) {
  statement s(db, sql);
  s.step();
  return s.column_int64(0);
}

}  // namespace

TEST_F(access_store_test, DeletedUserIdIsNeverReused) {
  database db(db_path());
  user_repository users(db);
  users.add("a", "user", "h");
  const auto b = users.add("b", "admin", "h");
  ASSERT_TRUE(users.remove(b.id));  // the highest id: plain INTEGER PRIMARY KEY reuses it
  const auto c = users.add("c", "user", "h");
  EXPECT_GT(c.id, b.id);
}

TEST_F(access_store_test, MigrationKeepsUsersAndNeverReusesAnAuditedId) {
  const auto all = schema_migrations();
  const std::vector<std::string_view> v2(all.begin(), all.begin() + 2);
  {
    database db(db_path(), v2);
    db.exec(
        "INSERT INTO users (id, name, role, password_hash, created_at) VALUES "
        "(1, 'root', 'admin', 'h1', 10), (2, 'dev', 'robot', 'h2', 11), (3, 'ann', 'user', 'h3', "
        "12);"
        "INSERT INTO robots (id, name, user_id, created_at) VALUES (1, 'rover', 2, 13);"
        "INSERT INTO cameras (id, name, host, port, created_by, created_at) "
        "  VALUES (1, 'c', 'h', 80, 3, 14);"
        "INSERT INTO bookings (user_id, resource_kind, resource_id, starts_at, ends_at, created_at)"
        "  VALUES (3, 'camera', 1, 100, 200, 15);"
        // A user deleted before the upgrade, whose id (9) the audit log still names.
        "INSERT INTO audit_log (user_id, user_name, resource_kind, resource_id, protocol, "
        "  started_at) VALUES (9, 'gone', 'camera', 1, 'mjpeg', 16);");
  }
  database db(db_path());
  EXPECT_EQ(db.migrations_applied(), static_cast<int>(all.size()) - 2) << "v3 and what came after";
  user_repository users(db);
  const auto ann = users.find_by_name("ann");
  ASSERT_TRUE(ann);
  EXPECT_EQ(ann->id, 3);
  EXPECT_EQ(ann->password_hash, "h3");
  EXPECT_EQ(ann->token_gen, 1);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM bookings"), 1);
  EXPECT_EQ(scalar(db, "SELECT created_by FROM cameras"), 3);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM robots"), 1);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), 1);
  EXPECT_GT(users.add("new", "user", "h").id, 9);
  // The robots triggers came back, and the foreign keys still cascade.
  EXPECT_THROW(db.exec("INSERT INTO robots (name, user_id, created_at) VALUES ('x', 3, 1)"),
               camgate::store::error);
  users.remove(3);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM bookings"), 0);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM cameras WHERE created_by IS NULL"), 1);
}

TEST_F(access_store_test, RoleAndPasswordChangesBumpTheGeneration) {
  database db(db_path());
  user_repository users(db);
  const auto u = users.add("ann", "admin", "h");
  EXPECT_EQ(u.token_gen, 1);
  users.set_role(u.id, "user");
  EXPECT_EQ(users.find_by_id(u.id)->token_gen, 2);
  users.set_role(u.id, "user");  // no change, no bump
  EXPECT_EQ(users.find_by_id(u.id)->token_gen, 2);
  users.set_password(u.id, "h2");
  EXPECT_EQ(users.find_by_id(u.id)->token_gen, 3);
  EXPECT_FALSE(users.revoke_tokens(u.id, 2));  // stale generation: nothing to revoke
  EXPECT_TRUE(users.revoke_tokens(u.id, 3));
  EXPECT_EQ(users.find_by_id(u.id)->token_gen, 4);
}

TEST_F(access_store_test, LoadsAccessRows) {
  database db(db_path());
  user_repository users(db);
  camera_repository cams(db);
  booking_repository bookings(db);
  const auto ann = users.add("ann", "user", "h");
  camera_record c;
  c.name = "c";
  c.host = "h";
  const auto cam = cams.add(c);
  booking b;
  b.user_id = ann.id;
  b.resource_kind = "camera";
  b.resource_id = cam.id;
  b.starts_at = 100;
  b.ends_at = 200;
  bookings.add(b);
  const auto rows = load_access_rows(db);
  ASSERT_EQ(rows.users.size(), 1u);
  EXPECT_EQ(rows.users[0].name, "ann");
  EXPECT_EQ(rows.users[0].token_gen, 1);
  ASSERT_EQ(rows.bookings.size(), 1u);
  EXPECT_EQ(rows.bookings[0].resource_id, cam.id);
  EXPECT_EQ(rows.bookings[0].ends_at, 200);
  EXPECT_TRUE(rows.robots.empty());
}

TEST_F(access_store_test, ChangeWatchSeesOtherConnectionsOnly) {
  database gateway(db_path());
  database cli(db_path());  // another process, as far as SQLite can tell
  std::atomic<int> changes{0};
  change_watch watch(gateway, 20ms, [&] { ++changes; });
  user_repository(gateway).add("own", "user", "h");
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(changes.load(), 0);
  user_repository(cli).add("other", "user", "h");
  for (int i = 0; i < 100 && changes.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(changes.load(), 1);
  watch.stop();
}
