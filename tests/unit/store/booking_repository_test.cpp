#include "store/booking_repository.hpp"

#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/camera_repository.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/robot_repository.hpp"
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "store/user_repository.hpp"
#include "store_fixture.hpp"

using namespace camgate::store;
using ::testing::HasSubstr;

namespace {

class booking_repository_test : public backend_fixture {
 protected:
  void SetUp() override {
    backend_fixture::SetUp();
    if (IsSkipped()) return;
    db_ = open_db();
    user_repository users(*db_);
    alice_ = users.add("alice", "user", "h").id;
    bob_ = users.add("bob", "user", "h").id;
    admin_ = users.add("root", "admin", "h").id;
    camera_repository cameras(*db_);
    camera_record c;
    c.name = "cam1";
    c.host = "10.0.0.1";
    cam1_ = cameras.add(c).id;
    c.name = "cam2";
    c.host = "10.0.0.2";
    cam2_ = cameras.add(c).id;
    const auto device = users.add("rover-device", "robot", "h").id;
    robot1_ = robot_repository(*db_).add("rover", device).id;
    bookings_ = std::make_unique<booking_repository>(*db_);
  }
  void TearDown() override {
    bookings_.reset();
    db_.reset();
    backend_fixture::TearDown();
  }

  booking make(std::int64_t user, std::string kind, std::int64_t id, std::int64_t from,
               std::int64_t to) {
    booking b;
    b.user_id = user;
    b.resource_kind = std::move(kind);
    b.resource_id = id;
    b.starts_at = from;
    b.ends_at = to;
    return b;
  }
  std::int64_t book(std::int64_t user, std::string kind, std::int64_t id, std::int64_t from,
                    std::int64_t to) {
    return bookings_->add(make(user, std::move(kind), id, from, to)).id;
  }
  static std::vector<std::int64_t> ids(const std::vector<booking>& bs) {
    std::vector<std::int64_t> out;
    for (const auto& b : bs) out.push_back(b.id);
    return out;
  }

  std::unique_ptr<database> db_;
  std::unique_ptr<booking_repository> bookings_;
  std::int64_t alice_ = 0, bob_ = 0, admin_ = 0, cam1_ = 0, cam2_ = 0, robot1_ = 0;
};

using v = std::vector<std::int64_t>;

}  // namespace

TEST_P(booking_repository_test, AddAndGet) {
  booking in = make(alice_, "camera", cam1_, 1000, 2000);
  in.note = "chair 3, Dr. Ng";
  in.created_by = admin_;
  const booking b = bookings_->add(in);
  EXPECT_GT(b.id, 0);
  EXPECT_EQ(b.user_id, alice_);
  EXPECT_EQ(b.resource_kind, "camera");
  EXPECT_EQ(b.resource_id, cam1_);
  EXPECT_EQ(b.starts_at, 1000);
  EXPECT_EQ(b.ends_at, 2000);
  EXPECT_EQ(b.note, "chair 3, Dr. Ng");
  EXPECT_EQ(b.created_by, admin_);
  EXPECT_GT(b.created_at, 1'600'000'000);

  const auto got = bookings_->get(b.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->note, b.note);
  EXPECT_EQ(got->ends_at, 2000);
  EXPECT_FALSE(bookings_->get(9999));

  booking dated = make(bob_, "robot", robot1_, 1, 2);
  dated.created_at = 1234;
  const booking r = bookings_->add(dated);
  EXPECT_EQ(r.created_at, 1234);
  EXPECT_FALSE(r.created_by);
  EXPECT_EQ(r.resource_kind, "robot");
}

TEST_P(booking_repository_test, RejectsBadTimesAndKinds) {
  for (const auto& [from, to] : {std::pair{100, 100}, std::pair{200, 100}}) {
    try {
      book(alice_, "camera", cam1_, from, to);
      FAIL() << "a booking must end after it starts";
    } catch (const error& e) {
      EXPECT_THAT(e.what(), HasSubstr("must end after it starts"));
    }
  }
  try {
    book(alice_, "drone", 1, 100, 200);
    FAIL() << "an unknown kind must throw";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown resource kind 'drone'"));
  }
  EXPECT_TRUE(bookings_->list().empty());
}

TEST_P(booking_repository_test, SchemaRefusesWhatTheRepositoryChecks) {
  // The checks hold for any writer, not only this repository.
  EXPECT_THROW(db_->exec("INSERT INTO bookings (user_id, resource_kind, resource_id, starts_at, "
                         "ends_at, created_at) VALUES (1, 'camera', 1, 200, 100, 0)"),
               error);
  EXPECT_THROW(db_->exec("INSERT INTO bookings (user_id, resource_kind, resource_id, starts_at, "
                         "ends_at, created_at) VALUES (1, 'drone', 1, 100, 200, 0)"),
               error);
  EXPECT_THROW(db_->exec("INSERT INTO bookings (user_id, resource_kind, resource_id, starts_at, "
                         "ends_at, created_at) VALUES (1, 'camera', 999, 100, 200, 0)"),
               error);
  EXPECT_TRUE(bookings_->list().empty());
}

TEST_P(booking_repository_test, MissingRowsAreNamed) {
  const auto expect_not_found = [&](const booking& b, const std::string& text) {
    try {
      bookings_->add(b);
      ADD_FAILURE() << "expected not_found: " << text;
    } catch (const not_found& e) {
      EXPECT_THAT(e.what(), HasSubstr(text));
    }
  };
  expect_not_found(make(4242, "camera", cam1_, 1, 2), "user 4242 does not exist");
  expect_not_found(make(alice_, "camera", 999, 1, 2), "camera 999 does not exist");
  expect_not_found(make(alice_, "robot", 999, 1, 2), "robot 999 does not exist");
  // Camera 2 exists, robot 2 does not: the kind decides which table is asked.
  ASSERT_NE(cam2_, robot1_);
  expect_not_found(make(alice_, "robot", cam2_, 1, 2),
                   "robot " + std::to_string(cam2_) + " does not exist");
  booking by_ghost = make(alice_, "camera", cam1_, 1, 2);
  by_ghost.created_by = 777;
  expect_not_found(by_ghost, "creator (user 777) does not exist");
  EXPECT_TRUE(bookings_->list().empty());
}

TEST_P(booking_repository_test, Update) {
  booking in = make(alice_, "camera", cam1_, 1000, 2000);
  in.created_by = admin_;
  in.created_at = 50;
  booking b = bookings_->add(in);

  b.ends_at = 3000;
  b.note = "extended";
  b.resource_id = cam2_;
  b.created_by = bob_;  // ignored: update keeps created_*
  b.created_at = 99;
  const booking u = bookings_->update(b);
  EXPECT_EQ(u.ends_at, 3000);
  EXPECT_EQ(u.note, "extended");
  EXPECT_EQ(u.resource_id, cam2_);
  EXPECT_EQ(u.created_by, admin_);
  EXPECT_EQ(u.created_at, 50);
  EXPECT_EQ(bookings_->get(b.id)->ends_at, 3000);

  booking bad = u;
  bad.ends_at = bad.starts_at;
  EXPECT_THROW(bookings_->update(bad), error);
  bad = u;
  bad.resource_id = 999;
  try {
    bookings_->update(bad);
    FAIL() << "moving a booking to a missing camera must throw";
  } catch (const not_found& e) {
    EXPECT_THAT(e.what(), HasSubstr("camera 999 does not exist"));
  }
  bad = u;
  bad.user_id = 4242;
  try {
    bookings_->update(bad);
    FAIL() << "giving a booking to a missing user must throw";
  } catch (const not_found& e) {
    EXPECT_THAT(e.what(), HasSubstr("user 4242 does not exist"));
  }
  EXPECT_EQ(bookings_->get(b.id)->resource_id, cam2_);  // unchanged by the failures

  booking ghost = u;
  ghost.id = 9999;
  try {
    bookings_->update(ghost);
    FAIL() << "updating a missing booking must not pass silently";
  } catch (const not_found& e) {
    EXPECT_THAT(e.what(), HasSubstr("booking 9999"));
    EXPECT_THAT(e.what(), HasSubstr("does not exist"));
  }
}

TEST_P(booking_repository_test, Remove) {
  const auto id = book(alice_, "camera", cam1_, 1, 2);
  EXPECT_TRUE(bookings_->remove(id));
  EXPECT_FALSE(bookings_->remove(id));
  EXPECT_FALSE(bookings_->get(id));
}

TEST_P(booking_repository_test, ListFilters) {
  const auto a = book(alice_, "camera", cam1_, 100, 200);
  const auto b = book(bob_, "camera", cam1_, 150, 250);
  const auto c = book(alice_, "camera", cam2_, 300, 400);
  const auto d = book(alice_, "robot", robot1_, 50, 500);

  EXPECT_EQ(ids(bookings_->list()), (v{d, a, b, c}));  // by start

  booking_filter by_user;
  by_user.user_id = alice_;
  EXPECT_EQ(ids(bookings_->list(by_user)), (v{d, a, c}));

  booking_filter by_kind;
  by_kind.resource_kind = "camera";
  EXPECT_EQ(ids(bookings_->list(by_kind)), (v{a, b, c}));

  booking_filter by_resource;
  by_resource.resource_kind = "camera";
  by_resource.resource_id = cam1_;
  EXPECT_EQ(ids(bookings_->list(by_resource)), (v{a, b}));

  // Overlap with [from, to): end exclusive, start inclusive.
  booking_filter window;
  window.from = 200;
  window.to = 300;
  EXPECT_EQ(ids(bookings_->list(window)), (v{d, b}));
  window.from = 199;
  EXPECT_EQ(ids(bookings_->list(window)), (v{d, a, b}));
  window.from = 250;
  window.to = 301;
  EXPECT_EQ(ids(bookings_->list(window)), (v{d, c}));

  booking_filter only_to;
  only_to.to = 100;
  EXPECT_EQ(ids(bookings_->list(only_to)), (v{d}));

  booking_filter combined;
  combined.user_id = alice_;
  combined.resource_kind = "camera";
  combined.from = 0;
  combined.to = 1000;
  EXPECT_EQ(ids(bookings_->list(combined)), (v{a, c}));

  booking_filter bad;
  bad.resource_id = cam1_;
  EXPECT_THROW(bookings_->list(bad), error);
}

TEST_P(booking_repository_test, ActiveOrNext) {
  const auto past = book(alice_, "camera", cam1_, 100, 200);
  const auto ends_now = book(alice_, "camera", cam1_, 200, 300);
  const auto active = book(alice_, "camera", cam1_, 250, 400);
  const auto next = book(alice_, "camera", cam1_, 500, 600);
  book(bob_, "camera", cam1_, 250, 400);     // another user
  book(alice_, "camera", cam2_, 250, 400);   // another camera
  book(alice_, "robot", robot1_, 250, 400);  // another kind
  (void)past;

  EXPECT_EQ(ids(bookings_->active_or_next(alice_, "camera", cam1_, 300)),
            (v{ends_now, active, next}));
  EXPECT_EQ(ids(bookings_->active_or_next(alice_, "camera", cam1_, 301)), (v{active, next}));
  EXPECT_EQ(ids(bookings_->active_or_next(alice_, "camera", cam1_, 600)), (v{next}));
  EXPECT_TRUE(bookings_->active_or_next(alice_, "camera", cam1_, 601).empty());
  EXPECT_TRUE(bookings_->active_or_next(admin_, "camera", cam1_, 0).empty());
}

TEST_P(booking_repository_test, LastEnded) {
  EXPECT_FALSE(bookings_->last_ended(alice_, "camera", cam1_, 1000));
  const auto first = book(alice_, "camera", cam1_, 100, 200);
  const auto second = book(alice_, "camera", cam1_, 150, 300);
  EXPECT_FALSE(bookings_->last_ended(alice_, "camera", cam1_, 199));
  EXPECT_EQ(bookings_->last_ended(alice_, "camera", cam1_, 200)->id, first);
  EXPECT_EQ(bookings_->last_ended(alice_, "camera", cam1_, 1000)->id, second);
  EXPECT_FALSE(bookings_->last_ended(bob_, "camera", cam1_, 1000));
  EXPECT_FALSE(bookings_->last_ended(alice_, "camera", cam2_, 1000));
}

TEST_P(booking_repository_test, FollowsUsersAndResources) {
  user_repository users(*db_);
  camera_repository cameras(*db_);
  booking by_admin = make(alice_, "camera", cam1_, 1, 2);
  by_admin.created_by = admin_;
  const auto made_by_admin = bookings_->add(by_admin).id;
  const auto bobs = book(bob_, "camera", cam1_, 1, 2);
  const auto on_cam2 = book(alice_, "camera", cam2_, 1, 2);

  ASSERT_TRUE(users.remove(admin_));
  EXPECT_FALSE(bookings_->get(made_by_admin)->created_by);  // ON DELETE SET NULL

  ASSERT_TRUE(users.remove(bob_));
  EXPECT_FALSE(bookings_->get(bobs));  // ON DELETE CASCADE

  ASSERT_TRUE(cameras.remove(cam2_));
  EXPECT_FALSE(bookings_->get(on_cam2));  // trigger
  EXPECT_TRUE(bookings_->get(made_by_admin));

  // SQLite reuses the highest freed rowid: the new camera must not inherit cam2's bookings.
  camera_record c;
  c.name = "new";
  c.host = "10.0.0.9";
  const auto reused = cameras.add(c).id;
  if (is_sqlite()) EXPECT_EQ(reused, cam2_);  // PostgreSQL's identities never reuse one
  booking_filter f;
  f.resource_kind = "camera";
  f.resource_id = reused;
  EXPECT_TRUE(bookings_->list(f).empty());
}

TEST_P(booking_repository_test, UpgradesAVersion1Database) {
  if (!is_sqlite())
    GTEST_SKIP() << "SQLite's upgrade path (PostgreSQL starts at the current version)";
  const auto migrations = schema_migrations();
  std::int64_t old_user = 0;
  {
    database v1(dir_ / "old.db", migrations.first(1));
    // Raw SQL: today's repository reads columns a version-1 table does not have.
    v1.exec(
        "INSERT INTO users (name, role, password_hash, created_at) VALUES ('carol', 'user', 'h', "
        "0)");
    old_user = 1;
  }
  database db(dir_ / "old.db");
  EXPECT_EQ(db.migrations_applied(), static_cast<int>(migrations.size()) - 1);
  EXPECT_EQ(db.schema_version(), static_cast<int>(migrations.size()));
  camera_record c;
  c.name = "c";
  c.host = "h";
  const auto cam = camera_repository(db).add(c).id;
  booking b = make(old_user, "camera", cam, 10, 20);
  EXPECT_GT(booking_repository(db).add(b).id, 0);
}

INSTANTIATE_TEST_SUITE_P(backends, booking_repository_test, all_backends(), backend_name);
