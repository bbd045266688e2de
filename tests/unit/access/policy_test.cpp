#include "access/policy.hpp"

#include <gtest/gtest.h>

#include "access_fixture.hpp"

using namespace camgate::access;

namespace {

class policy_test : public access_fixture {
 protected:
  decision at(const camgate::auth::identity& who, resource r, std::int64_t offset) {
    return policy_->decide(who, r, kT0 + offset);
  }
};

}  // namespace

TEST_F(policy_test, AdminAlwaysWithoutDeadline) {
  for (const auto r : {camera(cam1_), camera(cam2_), robot(rover_)}) {
    const auto d = at(admin_, r, 0);
    EXPECT_TRUE(d.allowed);
    EXPECT_FALSE(d.ends_at);
    EXPECT_TRUE(d.reason.empty());
  }
  book(admin_, camera(cam1_), 0, 10);  // an admin's own booking limits nothing
  EXPECT_FALSE(at(admin_, camera(cam1_), 5).ends_at);
  EXPECT_FALSE(policy_->limit(admin_, camera(cam1_), kT0).ends_at);
}

TEST_F(policy_test, UserWithoutBookingIsDenied) {
  const auto d = at(alice_, camera(cam1_), 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "no booking");
  EXPECT_FALSE(d.ends_at);
  EXPECT_FALSE(d.starts_at);
  EXPECT_EQ(policy_->limit(alice_, camera(cam1_), kT0).ends_at, kT0);  // i.e. ended now
}

TEST_F(policy_test, StartInclusiveEndExclusive) {
  book(alice_, camera(cam1_), 100, 200);

  auto d = at(alice_, camera(cam1_), 99);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "booking not started");
  EXPECT_EQ(d.starts_at, kT0 + 100);

  d = at(alice_, camera(cam1_), 100);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.ends_at, kT0 + 200);
  EXPECT_EQ(d.starts_at, kT0 + 100);

  d = at(alice_, camera(cam1_), 199);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.ends_at, kT0 + 200);

  d = at(alice_, camera(cam1_), 200);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "booking ended");
  EXPECT_FALSE(d.ends_at);

  d = at(alice_, camera(cam1_), 86'400);  // long after: still "ended", not "no booking"
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "booking ended");

  EXPECT_EQ(policy_->limit(alice_, camera(cam1_), kT0 + 150).ends_at, kT0 + 200);
  EXPECT_EQ(policy_->limit(alice_, camera(cam1_), kT0 + 200).ends_at, kT0 + 200);
  EXPECT_EQ(policy_->limit(alice_, camera(cam1_), kT0 + 50).ends_at, kT0 + 50);
}

TEST_F(policy_test, OverlappingBookingsMerge) {
  book(alice_, camera(cam1_), 100, 200);
  book(alice_, camera(cam1_), 150, 300);
  book(alice_, camera(cam1_), 120, 130);  // inside the first
  auto d = at(alice_, camera(cam1_), 110);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.ends_at, kT0 + 300);
  EXPECT_EQ(d.starts_at, kT0 + 100);
  d = at(alice_, camera(cam1_), 250);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.ends_at, kT0 + 300);
}

TEST_F(policy_test, AdjacentBookingsContinueSeamlessly) {
  book(alice_, camera(cam1_), 100, 200);
  book(alice_, camera(cam1_), 200, 300);
  book(alice_, camera(cam1_), 300, 400);
  book(alice_, camera(cam1_), 401, 500);  // a one-second gap: a new run
  for (const std::int64_t t : {100, 199, 200, 299, 300, 399}) {
    const auto d = at(alice_, camera(cam1_), t);
    EXPECT_TRUE(d.allowed) << t;
    EXPECT_EQ(d.ends_at, kT0 + 400) << t;
  }
  auto d = at(alice_, camera(cam1_), 400);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "booking not started");  // the next one is what matters now
  EXPECT_EQ(d.starts_at, kT0 + 401);
  d = at(alice_, camera(cam1_), 401);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.ends_at, kT0 + 500);
}

TEST_F(policy_test, NextBookingIsReportedWhenBetweenBookings) {
  book(alice_, camera(cam1_), 100, 200);
  book(alice_, camera(cam1_), 1000, 1100);
  const auto d = at(alice_, camera(cam1_), 500);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "booking not started");
  EXPECT_EQ(d.starts_at, kT0 + 1000);
}

TEST_F(policy_test, AnotherUsersBookingDoesNotGrant) {
  book(bob_, camera(cam1_), 0, 100);
  const auto d = at(alice_, camera(cam1_), 50);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "no booking");
  EXPECT_TRUE(at(bob_, camera(cam1_), 50).allowed);
}

TEST_F(policy_test, BookingCoversOnlyItsResource) {
  book(alice_, camera(cam1_), 0, 100);
  EXPECT_TRUE(at(alice_, camera(cam1_), 50).allowed);
  EXPECT_FALSE(at(alice_, camera(cam2_), 50).allowed);
  EXPECT_EQ(at(alice_, camera(cam2_), 50).reason, "no booking");
  // Same number, other kind: robot rover_ may share cam1_'s id.
  ASSERT_EQ(rover_, cam1_);
  EXPECT_FALSE(at(alice_, robot(rover_), 50).allowed);
}

TEST_F(policy_test, UserMayWatchABookedRobot) {
  book(alice_, robot(rover_), 0, 100);
  const auto d = at(alice_, robot(rover_), 10);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.ends_at, kT0 + 100);
  EXPECT_FALSE(at(alice_, robot(crawler_), 10).allowed);
}

TEST_F(policy_test, RobotActsOnlyAsItself) {
  auto d = at(rover_device_, robot(rover_), 0);
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.ends_at);  // the device needs no booking
  EXPECT_FALSE(policy_->limit(rover_device_, robot(rover_), kT0).ends_at);

  d = at(rover_device_, robot(crawler_), 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "robots may only act as themselves");

  // Never a viewer, even with a booking.
  book(rover_device_, camera(cam1_), -10, 100);
  d = at(rover_device_, camera(cam1_), 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "robots may only act as themselves");
  EXPECT_EQ(policy_->limit(rover_device_, camera(cam1_), kT0).ends_at, kT0);

  // A robot account that is no robot (not registered) acts as nothing.
  const auto stray = identity("stray-device", "robot");
  EXPECT_FALSE(at(stray, robot(rover_), 0).allowed);
}

TEST_F(policy_test, SeesBookingChangesAtOnce) {
  const auto id = book(alice_, camera(cam1_), 0, 100);
  EXPECT_EQ(at(alice_, camera(cam1_), 50).ends_at, kT0 + 100);
  auto b = *bookings_->get(id);
  b.ends_at = kT0 + 500;
  bookings_->update(b);
  sync();
  EXPECT_EQ(at(alice_, camera(cam1_), 50).ends_at, kT0 + 500);
  bookings_->remove(id);
  sync();
  EXPECT_FALSE(at(alice_, camera(cam1_), 50).allowed);
}
