#include "store/robot_repository.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/booking_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/user_repository.hpp"
#include "store_fixture.hpp"

using namespace camgate::store;
using ::testing::HasSubstr;

namespace {

class robot_repository_test : public backend_fixture {
 protected:
  void SetUp() override {
    backend_fixture::SetUp();
    if (IsSkipped()) return;
    db_ = open_db();
  }
  void TearDown() override {
    db_.reset();
    backend_fixture::TearDown();
  }

  std::unique_ptr<database> db_;
};

}  // namespace

TEST_P(robot_repository_test, Crud) {
  user_repository users(*db_);
  robot_repository robots(*db_);
  const user r1 = users.add("rover-1", "robot", "$argon2id$device1");
  const user r2 = users.add("rover-2", "robot", "$argon2id$device2");

  const robot_record a = robots.add("Rover One", r1.id);
  const robot_record b = robots.add("Rover Two", r2.id);
  EXPECT_GT(a.id, 0);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(a.name, "Rover One");
  EXPECT_EQ(a.user_id, r1.id);
  EXPECT_GT(a.created_at, 1'600'000'000);

  ASSERT_TRUE(robots.get(a.id));
  EXPECT_EQ(robots.get(a.id)->name, "Rover One");
  EXPECT_FALSE(robots.get(9999));
  ASSERT_TRUE(robots.find_by_name("Rover Two"));
  EXPECT_EQ(robots.find_by_name("Rover Two")->id, b.id);
  EXPECT_FALSE(robots.find_by_name("rover two"));
  ASSERT_TRUE(robots.find_by_user(r1.id));
  EXPECT_EQ(robots.find_by_user(r1.id)->id, a.id);
  EXPECT_FALSE(robots.find_by_user(9999));

  const auto all = robots.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, a.id);
  EXPECT_EQ(all[1].id, b.id);
}

TEST_P(robot_repository_test, OnlyRobotAccountsCanBeRobots) {
  user_repository users(*db_);
  robot_repository robots(*db_);
  const user alice = users.add("alice", "user", "h");
  const user admin = users.add("root", "admin", "h");
  for (const auto& u : {alice, admin}) {
    try {
      robots.add("r-" + u.name, u.id);
      FAIL() << "a " << u.role << " account must not become a robot";
    } catch (const not_found&) {
      FAIL() << "the account exists";
    } catch (const error& e) {
      EXPECT_THAT(e.what(), HasSubstr("not a robot account"));
    }
  }
  EXPECT_TRUE(robots.list().empty());
}

TEST_P(robot_repository_test, MissingAccountIsNotFound) {
  robot_repository robots(*db_);
  try {
    robots.add("ghost", 4242);
    FAIL() << "a missing account must throw";
  } catch (const not_found& e) {
    EXPECT_THAT(e.what(), HasSubstr("user 4242 does not exist"));
  }
}

TEST_P(robot_repository_test, NameAndAccountAreUnique) {
  user_repository users(*db_);
  robot_repository robots(*db_);
  const user r1 = users.add("d1", "robot", "h");
  const user r2 = users.add("d2", "robot", "h");
  robots.add("rover", r1.id);
  try {
    robots.add("rover", r2.id);
    FAIL() << "a duplicate name must throw";
  } catch (const conflict& e) {
    EXPECT_THAT(e.what(), HasSubstr("a robot named 'rover' already exists"));
  }
  try {
    robots.add("rover-bis", r1.id);
    FAIL() << "one account, one robot";
  } catch (const conflict& e) {
    EXPECT_THAT(e.what(), HasSubstr("already is a robot"));
  }
  EXPECT_EQ(robots.list().size(), 1u);
}

TEST_P(robot_repository_test, RemoveDeletesAccountAndBookings) {
  user_repository users(*db_);
  robot_repository robots(*db_);
  booking_repository bookings(*db_);
  const user device = users.add("d1", "robot", "h");
  const user alice = users.add("alice", "user", "h");
  const robot_record r = robots.add("rover", device.id);
  booking b;
  b.user_id = alice.id;
  b.resource_kind = "robot";
  b.resource_id = r.id;
  b.starts_at = 100;
  b.ends_at = 200;
  const booking stored = bookings.add(b);

  EXPECT_TRUE(robots.remove(r.id));
  EXPECT_FALSE(robots.get(r.id));
  EXPECT_FALSE(users.find_by_id(device.id)) << "the device credential must stop working";
  EXPECT_FALSE(bookings.get(stored.id));
  EXPECT_TRUE(users.find_by_id(alice.id));
  EXPECT_FALSE(robots.remove(r.id));
}

TEST_P(robot_repository_test, DeletingTheAccountDeletesRobotAndBookings) {
  user_repository users(*db_);
  robot_repository robots(*db_);
  booking_repository bookings(*db_);
  const user device = users.add("d1", "robot", "h");
  const user alice = users.add("alice", "user", "h");
  const robot_record r = robots.add("rover", device.id);
  booking b;
  b.user_id = alice.id;
  b.resource_kind = "robot";
  b.resource_id = r.id;
  b.starts_at = 100;
  b.ends_at = 200;
  const booking stored = bookings.add(b);

  ASSERT_TRUE(users.remove(device.id));
  EXPECT_FALSE(robots.get(r.id));
  EXPECT_FALSE(bookings.get(stored.id));
}

INSTANTIATE_TEST_SUITE_P(backends, robot_repository_test, all_backends(), backend_name);
