#include "store/recording_repository.hpp"

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

class recording_repository_test : public backend_fixture {
 protected:
  void SetUp() override {
    backend_fixture::SetUp();
    if (IsSkipped()) return;
    db_ = open_db();
    alice_ = user_repository(*db_).add("alice", "user", "h").id;
    camera_record c;
    c.name = "cam1";
    c.host = "10.0.0.1";
    cam_ = camera_repository(*db_).add(c).id;
    booking b;
    b.user_id = alice_;
    b.resource_kind = "camera";
    b.resource_id = cam_;
    b.starts_at = 1000;
    b.ends_at = 2000;
    booking_ = booking_repository(*db_).add(b).id;
  }
  recording_row row(std::string path, std::int64_t started_at) {
    recording_row r;
    r.resource_kind = "camera";
    r.resource_id = cam_;
    r.booking_id = booking_;
    r.user_id = alice_;
    r.reason = "booking";
    r.started_at = started_at;
    r.path = std::move(path);
    return r;
  }

  std::unique_ptr<database> db_;
  std::int64_t alice_ = 0, cam_ = 0, booking_ = 0;
};

}  // namespace

TEST_P(recording_repository_test, ARecordingStartsRecordsAndFinishes) {
  recording_repository recs(*db_);
  auto r = recs.start(row("cam1/1000.mp4", 1000));
  EXPECT_GT(r.id, 0);
  EXPECT_EQ(r.state, "recording");
  EXPECT_FALSE(r.ended_at);
  EXPECT_TRUE(recs.progress(r.id, 4096, 15));
  EXPECT_TRUE(recs.finish(r.id, 1100, 8192, 1500, "complete"));
  auto got = recs.get(r.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->state, "complete");
  EXPECT_EQ(got->ended_at, 1100);
  EXPECT_EQ(got->bytes, 8192);
  EXPECT_EQ(got->frames, 1500);
  EXPECT_EQ(got->booking_id, booking_);
  EXPECT_FALSE(recs.progress(r.id, 1, 1)) << "a finished recording's counters stay";
  EXPECT_TRUE(recs.offloaded(r.id, "s3://bucket/cam1/1000.mp4"));
  EXPECT_EQ(recs.get(r.id)->state, "offloaded");
  EXPECT_EQ(recs.get(r.id)->remote_url, "s3://bucket/cam1/1000.mp4");
}

TEST_P(recording_repository_test, BadValuesAndReusedPathsAreRefusedWithAReason) {
  recording_repository recs(*db_);
  recs.start(row("same.mp4", 1000));
  EXPECT_THROW(recs.start(row("same.mp4", 1001)), conflict);
  auto bad = row("other.mp4", 1000);
  bad.reason = "whim";
  try {
    recs.start(bad);
    FAIL() << "an unknown reason was accepted";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("whim"));
  }
  auto r = recs.start(row("third.mp4", 1000));
  EXPECT_THROW(recs.finish(r.id, 1100, 0, 0, "lost"), error);
}

TEST_P(recording_repository_test, ListsByResourceBookingStateAndTime) {
  recording_repository recs(*db_);
  auto a = recs.start(row("a.mp4", 1000));
  recs.finish(a.id, 1100, 1, 1, "complete");
  auto b = recs.start(row("b.mp4", 1500));  // still recording
  auto other = row("c.mp4", 1200);
  other.booking_id.reset();
  other.user_id.reset();
  other.reason = "continuous";
  recs.start(other);
  EXPECT_EQ(recs.list().size(), 3u);
  recording_filter f;
  f.booking_id = booking_;
  EXPECT_EQ(recs.list(f).size(), 2u);
  f = {};
  f.state = "recording";
  EXPECT_EQ(recs.list(f).size(), 2u);
  f = {};
  f.from = 1150;
  f.to = 1400;
  const auto window = recs.list(f);
  ASSERT_EQ(window.size(), 1u) << "a ended at 1100; b starts at 1500";
  EXPECT_EQ(window[0].path, "c.mp4");
  f = {};
  f.resource_id = cam_;
  EXPECT_THROW(recs.list(f), error);
  f.resource_kind = "camera";
  EXPECT_EQ(recs.list(f).front().id, a.id);
  EXPECT_TRUE(recs.remove(b.id));
  EXPECT_FALSE(recs.get(b.id));
}

TEST_P(recording_repository_test, ARecordingOutlivesItsBookingAndUser) {
  recording_repository recs(*db_);
  auto r = recs.start(row("kept.mp4", 1000));
  booking_repository(*db_).remove(booking_);
  user_repository(*db_).remove(alice_);
  auto got = recs.get(r.id);
  ASSERT_TRUE(got) << "the clinic's record stays";
  EXPECT_FALSE(got->booking_id);
  EXPECT_FALSE(got->user_id);
}

TEST_P(recording_repository_test, APolicyOverridesTheDefaultPerCameraOrRobot) {
  recording_repository repo(*db_);
  EXPECT_FALSE(repo.policy_of("camera", 1));
  repo.set_policy("camera", 1, "continuous");
  repo.set_policy("robot", 1, "bookings");
  EXPECT_EQ(repo.policy_of("camera", 1), "continuous");
  repo.set_policy("camera", 1, "off");  // a second write replaces the first
  EXPECT_EQ(repo.policy_of("camera", 1), "off");
  EXPECT_EQ(repo.policies().size(), 2u);
  EXPECT_THROW(repo.set_policy("camera", 2, "sometimes"), error);
  EXPECT_THROW(repo.set_policy("printer", 2, "off"), error);
  repo.set_policy("camera", 1, std::nullopt);
  EXPECT_FALSE(repo.policy_of("camera", 1));
  EXPECT_EQ(repo.policies().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(backends, recording_repository_test, all_backends(), backend_name);
