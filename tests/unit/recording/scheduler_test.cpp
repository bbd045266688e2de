// The recording scheduler against a real store and access index: policies, bookings,
// demand, failures and removed cameras; pictures from camsim through a hub channel.
#include "recording/scheduler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "camsim/frame_generator.hpp"
#include "core/clock.hpp"
#include "store/access_rows.hpp"
#include "store/booking_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/database.hpp"
#include "store/user_repository.hpp"

using namespace camgate;
using namespace camgate::recording;
namespace fs = std::filesystem;

namespace {

struct scheduler_test : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("camgate-recsched-" + std::to_string(getpid()));
  std::unique_ptr<store::database> db;
  std::unique_ptr<store::recording_repository> repo;
  access::access_index index;
  std::int64_t cam = 0, alice = 0;
  access::resource what;
  std::shared_ptr<hub::channel> channel = std::make_shared<hub::channel>("1");
  bool camera_present = true;
  std::string feed_error;  // set: open_feed fails with it
  int feeds_opened = 0;
  std::optional<bool> owned;  // set: the ownership hook (a cluster) answers it
  std::unique_ptr<recorder> rec;
  std::unique_ptr<scheduler> sched;
  const std::int64_t now = core::unix_micros() / 1000000;  // the rows start at the real time

  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
    db = std::make_unique<store::database>(dir / "camgate.db");
    repo = std::make_unique<store::recording_repository>(*db);
    store::camera_record c;
    c.name = "chair 1";
    c.host = "10.0.0.1";
    cam = store::camera_repository(*db).add(c).id;
    what = access::camera_resource(cam);
    alice = store::user_repository(*db).add("alice", "user", "h").id;
    core::config::recording_section opts;
    rec = std::make_unique<recorder>(*repo, opts, dir);
  }
  void TearDown() override {
    sched.reset();
    rec.reset();
    fs::remove_all(dir);
  }
  void make(std::string default_policy) {
    scheduler_hooks hooks;
    hooks.resources = [this] {
      return camera_present ? std::vector<access::resource>{what} : std::vector<access::resource>{};
    };
    hooks.open_feed = [this](access::resource, std::string& why) -> std::optional<feed> {
      if (!feed_error.empty()) {
        why = feed_error;
        return std::nullopt;
      }
      ++feeds_opened;
      return feed{channel, nullptr};
    };
    hooks.booking_at = [this](std::int64_t user, access::resource r,
                              std::int64_t t) -> std::optional<std::int64_t> {
      store::booking_filter f;
      f.user_id = user;
      f.resource_kind = std::string(access::to_string(r.kind));
      f.resource_id = r.id;
      for (const auto& b : store::booking_repository(*db).list(f))
        if (b.starts_at <= t && t < b.ends_at) return b.id;
      return std::nullopt;
    };
    if (owned) {
      hooks.owns = [this](access::resource) { return *owned; };
      hooks.owner = [](access::resource) { return std::string("gw-2"); };
    }
    sched =
        std::make_unique<scheduler>(*rec, *repo, index, std::move(default_policy), std::move(hooks),
                                    std::chrono::seconds(600), std::chrono::seconds(10));
  }
  std::int64_t book(std::int64_t from, std::int64_t to) {
    store::booking b;
    b.user_id = alice;
    b.resource_kind = "camera";
    b.resource_id = cam;
    b.starts_at = from;
    b.ends_at = to;
    const auto id = store::booking_repository(*db).add(b).id;
    index.publish(store::load_access_rows(*db));
    return id;
  }
  void pictures(int n) {
    camsim::frame_generator gen;
    for (int i = 0; i < n; ++i)
      channel->publish(gen.render({320, 240, 70}, static_cast<std::uint64_t>(i + 1)));
  }
};

}  // namespace

TEST_F(scheduler_test, continuous_records_until_the_cameras_own_policy_says_off) {
  make("continuous");
  sched->reconcile(now);
  auto cur = rec->current(what);
  ASSERT_TRUE(cur);
  EXPECT_EQ(cur->cause.reason, "continuous");
  EXPECT_EQ(sched->status(what).policy, "continuous");
  pictures(5);
  sched->reconcile(now + 1);
  EXPECT_EQ(rec->current(what)->id, cur->id) << "the same file from pass to pass";
  repo->set_policy("camera", cam, "off");
  sched->reconcile(now + 2);
  EXPECT_FALSE(rec->current(what));
  const auto st = sched->status(what);
  EXPECT_EQ(st.policy, "off");
  EXPECT_TRUE(st.policy_is_own);
  const auto rows = repo->list();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, "complete");
  EXPECT_EQ(rows[0].frames, 5);
}

TEST_F(scheduler_test, continuous_starts_a_new_file_each_segment) {
  make("continuous");
  sched->reconcile(now);
  pictures(3);
  const auto first = rec->current(what)->id;
  const auto started = rec->current(what)->started_at;
  sched->reconcile(started + 599);
  EXPECT_EQ(rec->current(what)->id, first);
  sched->reconcile(started + 600);
  ASSERT_TRUE(rec->current(what));
  EXPECT_NE(rec->current(what)->id, first);
  EXPECT_EQ(repo->get(first)->state, "complete");
}

TEST_F(scheduler_test, bookings_record_a_booking_run_owned_by_its_booking) {
  make("bookings");
  const auto booking = book(now - 10, now + 60);
  sched->reconcile(now - 20);
  EXPECT_FALSE(rec->current(what)) << "before the booking nothing records";
  sched->reconcile(now);
  auto cur = rec->current(what);
  ASSERT_TRUE(cur);
  EXPECT_EQ(cur->cause.reason, "booking");
  EXPECT_EQ(cur->cause.booking_id, booking);
  EXPECT_EQ(cur->cause.user_id, alice);
  pictures(4);
  // Back to back: the next booking continues the run, in the same file.
  book(now + 60, now + 120);
  sched->reconcile(now + 61);
  ASSERT_TRUE(rec->current(what));
  EXPECT_EQ(rec->current(what)->id, cur->id);
  sched->reconcile(now + 120);
  EXPECT_FALSE(rec->current(what)) << "the run is over";
  const auto row = repo->get(cur->id);
  EXPECT_EQ(row->booking_id, booking);
  EXPECT_EQ(row->user_id, alice);
  EXPECT_EQ(row->reason, "booking");
}

TEST_F(scheduler_test, a_demand_recording_runs_until_stopped_whatever_the_policy) {
  make("off");
  // An admin's (no user: bound to no booking).
  auto r = sched->start_demand(what, std::nullopt, now);
  ASSERT_TRUE(std::holds_alternative<store::recording_row>(r)) << std::get<std::string>(r);
  sched->reconcile(now + 1);
  ASSERT_TRUE(rec->current(what)) << "the 'off' policy does not stop it";
  auto again = sched->start_demand(what, std::nullopt, now);
  ASSERT_TRUE(std::holds_alternative<std::string>(again));
  EXPECT_NE(std::get<std::string>(again).find("already recording"), std::string::npos);
  pictures(2);
  auto stopped = sched->stop_demand(what);
  ASSERT_TRUE(std::holds_alternative<store::recording_row>(stopped));
  EXPECT_EQ(std::get<store::recording_row>(stopped).state, "complete");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(sched->stop_demand(what)));
  // A policy's recording is not the API's to stop.
  repo->set_policy("camera", cam, "continuous");
  sched->reconcile(now + 2);
  auto refused = sched->stop_demand(what);
  ASSERT_TRUE(std::holds_alternative<std::string>(refused));
  EXPECT_NE(std::get<std::string>(refused).find("'continuous' policy"), std::string::npos);
}

TEST_F(scheduler_test, a_failure_is_told_and_tried_again_later) {
  make("continuous");
  feed_error = "robot 1 is offline";
  sched->reconcile(now);
  EXPECT_FALSE(rec->current(what));
  EXPECT_EQ(sched->status(what).last_error, "cannot record: robot 1 is offline");
  feed_error.clear();
  sched->reconcile(now + 5);
  EXPECT_FALSE(rec->current(what)) << "not before the retry delay";
  EXPECT_EQ(feeds_opened, 0);
  sched->reconcile(now + 10);
  EXPECT_TRUE(rec->current(what));
  EXPECT_FALSE(sched->status(what).last_error);
}

TEST_F(scheduler_test, a_removed_camera_stops_recording) {
  make("continuous");
  sched->reconcile(now);
  pictures(2);
  ASSERT_TRUE(rec->current(what));
  camera_present = false;
  sched->reconcile(now + 1);
  EXPECT_FALSE(rec->current(what));
  EXPECT_EQ(repo->list().at(0).state, "complete");
}

TEST_F(scheduler_test, a_users_demand_recording_ends_with_their_booking) {
  make("bookings");
  book(now - 10, now + 30);
  auto r = sched->start_demand(what, alice, now);
  ASSERT_TRUE(std::holds_alternative<store::recording_row>(r)) << std::get<std::string>(r);
  pictures(2);
  sched->reconcile(now + 1);
  ASSERT_TRUE(rec->current(what));
  EXPECT_EQ(rec->current(what)->cause.reason, "demand") << "the booking's own waits for it";
  sched->reconcile(now + 30);
  EXPECT_FALSE(rec->current(what)) << "the booking is over: so is what its user recorded";
  EXPECT_EQ(repo->list().at(0).user_id, alice);
}

TEST_F(scheduler_test, only_the_owner_records_and_a_lost_camera_ends_cleanly) {
  repo->set_node("gw-1");
  owned = false;
  make("continuous");
  sched->reconcile(now);
  EXPECT_FALSE(rec->current(what)) << "another node owns it";
  EXPECT_EQ(feeds_opened, 0);
  auto demand = sched->start_demand(what, std::nullopt, now);
  ASSERT_TRUE(std::holds_alternative<std::string>(demand));
  EXPECT_NE(std::get<std::string>(demand).find("recorded by node gw-2"), std::string::npos)
      << std::get<std::string>(demand);
  owned = true;  // the lease came here
  sched->reconcile(now + 1);
  auto cur = rec->current(what);
  ASSERT_TRUE(cur);
  pictures(4);
  owned = false;  // and went elsewhere, this node still alive
  sched->reconcile(now + 2);
  EXPECT_FALSE(rec->current(what));
  const auto row = repo->get(cur->id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, "complete");
  EXPECT_EQ(row->frames, 4);
  EXPECT_EQ(row->node, "gw-1") << "the row names the node whose disk holds the file";
  // The REC indicator of a node that does not record it reads the owner's row.
  store::recording_repository other(*db);
  other.set_node("gw-2");
  store::recording_row r;
  r.resource_kind = "camera";
  r.resource_id = cam;
  r.reason = "continuous";
  r.started_at = now + 3;
  r.path = (dir / "elsewhere.mp4").string();
  const auto theirs = other.start(r);
  const auto st = sched->status(what);
  ASSERT_TRUE(st.current);
  EXPECT_EQ(st.current->id, theirs.id);
  EXPECT_EQ(st.node, "gw-2");
  // Repairs after a crash take this node's rows only.
  store::recording_filter mine;
  mine.state = "recording";
  mine.node = "gw-1";
  EXPECT_TRUE(repo->list(mine).empty());
}
