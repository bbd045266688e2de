// The in-memory access index: snapshot building, credential checks, the policy as a pure
// function of a snapshot, lock-free reads while writers publish, and access_sync
// carrying a change to live streams.
#include "access/access_index.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "access/access_sync.hpp"
#include "access/policy.hpp"
#include "access/session_registry.hpp"
#include "access_fixture.hpp"

using namespace camgate::access;
using camgate::auth::identity;
using camgate::auth::role;
namespace store = camgate::store;

namespace {

store::access_rows rows_with(std::vector<store::access_booking_row> bookings) {
  store::access_rows rows;
  rows.users = {{1, "root", "admin", 1}, {2, "ann", "user", 3}, {3, "dev", "robot", 1}};
  rows.robots = {{7, 3}};
  rows.bookings = std::move(bookings);
  return rows;
}

const resource cam5{resource_kind::camera, 5};

TEST(access_index, MergesOverlappingAndTouchingBookingsIntoRuns) {
  const auto s = access_snapshot::build(rows_with({{1, 2, "camera", 5, 300, 400},
                                                   {2, 2, "camera", 5, 100, 200},
                                                   {3, 2, "camera", 5, 200, 250},  // touches
                                                   {4, 2, "camera", 5, 240, 260},  // overlaps
                                                   {5, 2, "robot", 5, 0, 10},
                                                   {6, 2, "lamp", 5, 0, 10}}));  // unknown kind
  const auto& runs = s->runs.at({2, cam5});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].start, 100);
  EXPECT_EQ(runs[0].end, 260);
  EXPECT_EQ(runs[1].start, 300);
  EXPECT_EQ(s->runs.size(), 2u);  // camera:5 and robot:5
}

TEST(access_index, ChecksUserAndGeneration) {
  const auto s = access_snapshot::build(rows_with({}));
  EXPECT_EQ(check_credential(*s, {2, "ann", role::user, 3}), credential_state::valid);
  EXPECT_EQ(check_credential(*s, {2, "ann", role::user, 2}), credential_state::token_revoked);
  EXPECT_EQ(check_credential(*s, {2, "ann", role::user, 4}), credential_state::token_revoked);
  EXPECT_EQ(check_credential(*s, {9, "gone", role::admin, 1}), credential_state::user_removed);
}

TEST(access_index, PolicyIsAPureFunctionOfTheSnapshot) {
  const auto s = access_snapshot::build(rows_with({{1, 2, "camera", 5, 100, 200}}));
  const identity ann{2, "ann", role::user, 3};
  EXPECT_FALSE(policy::decide(*s, ann, cam5, 99).allowed);
  EXPECT_EQ(policy::decide(*s, ann, cam5, 99).reason, "booking not started");
  EXPECT_EQ(policy::decide(*s, ann, cam5, 100).ends_at, 200);
  EXPECT_EQ(policy::decide(*s, ann, cam5, 200).reason, "booking ended");
  EXPECT_EQ(policy::decide(*s, ann, {resource_kind::camera, 6}, 150).reason, "no booking");

  const auto stale = policy::decide(*s, {2, "ann", role::user, 2}, cam5, 150);
  EXPECT_FALSE(stale.allowed);
  EXPECT_EQ(stale.reason, "token revoked");
  EXPECT_EQ(stale.ends_with, end_reason::token_revoked);
  // A deleted admin's token opens nothing, though admins need no booking.
  const auto gone = policy::decide(*s, {9, "old-admin", role::admin, 1}, cam5, 150);
  EXPECT_FALSE(gone.allowed);
  EXPECT_EQ(gone.reason, "user removed");
  EXPECT_EQ(gone.ends_with, end_reason::user_removed);
  EXPECT_TRUE(policy::decide(*s, {1, "root", role::admin, 1}, cam5, 0).allowed);
  EXPECT_TRUE(policy::decide(*s, {3, "dev", role::robot, 1}, {resource_kind::robot, 7}, 0).allowed);
  EXPECT_FALSE(policy::decide(*s, {3, "dev", role::robot, 1}, cam5, 0).allowed);
}

TEST(access_index, ReadersKeepTheirSnapshotWhileWritersPublish) {
  access_index index;
  index.publish(rows_with({{1, 2, "camera", 5, 100, 200}}));
  const auto before = index.current();
  index.publish(rows_with({}));
  EXPECT_EQ(before->runs.size(), 1u);  // copy-on-write: the old one is untouched
  EXPECT_TRUE(index.current()->runs.empty());
  EXPECT_GT(index.current()->version, before->version);
}

// For ThreadSanitizer: readers decide while a writer keeps publishing.
TEST(access_index, ConcurrentReadsAndPublishes) {
  access_index index;
  policy rules(index);
  index.publish(rows_with({{1, 2, "camera", 5, 100, 200}}));
  std::atomic<bool> stop{false};
  std::atomic<long> allowed{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (rules.decide({2, "ann", role::user, 3}, cam5, 150).allowed) ++allowed;
      }
    });
  }
  for (int i = 0; i < 300; ++i) {
    index.publish(
        rows_with(i % 2 ? std::vector<store::access_booking_row>{}
                        : std::vector<store::access_booking_row>{{1, 2, "camera", 5, 100, 200}}));
  }
  stop = true;
  for (auto& r : readers) r.join();
  SUCCEED() << allowed.load() << " reads allowed";
}

struct recording_session : live_session {
  void warn(std::int64_t) override {}
  void cut(end_reason r) override {
    std::lock_guard lock(mutex);
    cuts.push_back(r);
  }
  std::vector<end_reason> seen() {
    std::lock_guard lock(mutex);
    return cuts;
  }
  std::mutex mutex;
  std::vector<end_reason> cuts;
};

class access_sync_test : public access_fixture {};

TEST_F(access_sync_test, DeletedUserStreamsEndWithUserRemoved) {
  book(alice_, camera(cam1_), -10, 3600);
  session_registry live(*policy_, *audit_, clock_);
  access_sync sync(*db_, index_, live);
  auto s = std::make_shared<recording_session>();
  const auto id = live.add(s, alice_, camera(cam1_), "mjpeg", "1.2.3.4", 0);
  const auto audit_id = live.find(id)->audit_id;
  users_->remove(alice_.user_id);
  sync.refresh();
  ASSERT_EQ(s->seen(), std::vector<end_reason>{end_reason::user_removed});
  EXPECT_EQ(audit_->get(audit_id)->end_reason, "user removed");
}

TEST_F(access_sync_test, RevokedTokenStreamsEndAndAdminStreamsToo) {
  session_registry live(*policy_, *audit_, clock_);
  access_sync sync(*db_, index_, live);
  auto s = std::make_shared<recording_session>();
  auto other = std::make_shared<recording_session>();
  live.add(s, admin_, camera(cam1_), "websocket", "1.2.3.4", 0);
  book(bob_, camera(cam1_), -10, 3600);
  live.add(other, bob_, camera(cam1_), "mjpeg", "1.2.3.4", 0);
  // Demoting the admin bumps the generation (trigger): the admin token's stream ends.
  users_->set_role(admin_.user_id, "user");
  sync.refresh();
  EXPECT_EQ(s->seen(), std::vector<end_reason>{end_reason::token_revoked});
  EXPECT_TRUE(other->seen().empty());
  // Logout of bob: his generation moves on.
  ASSERT_TRUE(users_->revoke_tokens(bob_.user_id, bob_.token_gen));
  sync.refresh();
  EXPECT_EQ(other->seen(), std::vector<end_reason>{end_reason::token_revoked});
}

TEST_F(access_sync_test, ExtendedBookingMovesTheDeadline) {
  const auto b = book(alice_, camera(cam1_), -10, 100);
  session_registry live(*policy_, *audit_, clock_);
  access_sync sync(*db_, index_, live);
  auto s = std::make_shared<recording_session>();
  const auto id = live.add(s, alice_, camera(cam1_), "mjpeg", "1.2.3.4", 0);
  auto row = *bookings_->get(b);
  row.ends_at = kT0 + 500;
  bookings_->update(row);
  sync.refresh();
  EXPECT_EQ(live.find(id)->deadline, kT0 + 500);
  EXPECT_TRUE(s->seen().empty());
}

TEST_F(access_sync_test, EnsureUserRefreshesOnlyWhenTheIndexLags) {
  session_registry live(*policy_, *audit_, clock_);
  access_sync sync(*db_, index_, live);
  const auto version = index_.current()->version;
  sync.ensure_user(alice_.user_id, alice_.token_gen);
  EXPECT_EQ(index_.current()->version, version);
  const auto carol = users_->add("carol", "user", "h");  // another process, say
  sync.ensure_user(carol.id, carol.token_gen);
  EXPECT_GT(index_.current()->version, version);
  EXPECT_TRUE(index_.current()->users.contains(carol.id));
}

}  // namespace
