// A recording of a hub channel: pictures published as a camera does, the file and its
// row in a real SQLite store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "camsim/frame_generator.hpp"
#include "recording/mp4_probe.hpp"
#include "recording/recorder.hpp"
#include "recording/recording_session.hpp"
#include "recording/recovery.hpp"
#include "store/camera_repository.hpp"
#include "store/database.hpp"

using namespace camgate;
using namespace camgate::recording;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct recording_session_test : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("camgate-recsession-" + std::to_string(getpid()));
  std::unique_ptr<store::database> db;
  std::int64_t cam = 0;

  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
    db = std::make_unique<store::database>(dir / "camgate.db");
    store::camera_record c;
    c.name = "chair 1";
    c.host = "10.0.0.1";
    cam = store::camera_repository(*db).add(c).id;
  }
  void TearDown() override { fs::remove_all(dir); }

  store::recording_row row() const {
    store::recording_row r;
    r.resource_kind = "camera";
    r.resource_id = cam;
    r.reason = "demand";
    return r;
  }
};

// Publishes `n` camsim pictures at 15 fps, as a camera source does.
void publish(hub::channel& ch, int n) {
  camsim::frame_generator gen;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_until(start + i * 1000ms / 15);
    ch.publish(gen.render({640, 480, 70}, static_cast<std::uint64_t>(i + 1)));
  }
}

}  // namespace

TEST_F(recording_session_test, records_a_channel_into_a_file_and_its_row) {
  store::recording_repository repo(*db);
  auto ch = std::make_shared<hub::channel>("1");
  std::string error;
  const auto path = (dir / "cam1.mp4").string();
  auto s = recording_session::start(repo, ch, row(), {path, 800, 500ms, 1000ms, 15}, error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(ch->viewers(), 1u) << "a subscriber like any viewer";
  EXPECT_EQ(repo.get(s->id())->state, "recording");
  publish(*ch, 30);
  const auto done = s->stop();
  EXPECT_EQ(done.state, "complete");
  EXPECT_EQ(done.frames, 30);
  EXPECT_EQ(done.bytes, static_cast<std::int64_t>(fs::file_size(path)));
  ASSERT_TRUE(done.ended_at);
  EXPECT_EQ(ch->viewers(), 0u);
  const auto r = probe_mp4(path);
  EXPECT_EQ(r.frames, 30);
  EXPECT_EQ(s->stop().id, done.id) << "stop() twice is harmless";
}

TEST_F(recording_session_test, a_file_that_cannot_be_made_leaves_no_row) {
  store::recording_repository repo(*db);
  auto ch = std::make_shared<hub::channel>("1");
  std::string error;
  auto s = recording_session::start(
      repo, ch, row(), {(dir / "no/such/dir.mp4").string(), 800, 500ms, 1000ms, 15}, error);
  EXPECT_FALSE(s);
  EXPECT_FALSE(error.empty());
  EXPECT_TRUE(repo.list().empty());
  EXPECT_EQ(ch->viewers(), 0u);
}

TEST_F(recording_session_test, the_channels_end_is_noticed) {
  store::recording_repository repo(*db);
  auto ch = std::make_shared<hub::channel>("1");
  std::string error;
  auto s = recording_session::start(repo, ch, row(),
                                    {(dir / "ended.mp4").string(), 800, 500ms, 1000ms, 15}, error);
  ASSERT_TRUE(s) << error;
  publish(*ch, 5);
  ch->end(core::end_reason::camera_removed);
  EXPECT_TRUE(s->channel_ended());
  EXPECT_EQ(s->stop().state, "complete");
}

TEST_F(recording_session_test, start_up_recovery_ends_interrupted_rows_from_their_files) {
  store::recording_repository repo(*db);
  // A file written to its last fragment (as a kill -9 leaves it, closed or not).
  const auto good = (dir / "good.mp4").string();
  {
    std::string error;
    auto w = mp4_writer::open({good, 800, 500ms, 1000ms, 15}, error);
    ASSERT_TRUE(w) << error;
    camsim::frame_generator gen;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 30; ++i) {
      std::this_thread::sleep_until(start + i * 1000ms / 15);
      w->push(gen.render({320, 240, 70}, static_cast<std::uint64_t>(i + 1)));
    }
    ASSERT_TRUE(w->finish());
  }
  auto r1 = row();
  r1.path = good;
  r1.started_at = 5000;
  const auto a = repo.start(r1);
  auto r2 = row();
  r2.path = (dir / "missing.mp4").string();
  const auto b = repo.start(r2);
  auto r3 = row();
  r3.path = (dir / "junk.mp4").string();
  { std::ofstream(r3.path) << "not an mp4 at all"; }
  const auto c = repo.start(r3);

  const auto rec = recover_recordings(repo);
  EXPECT_EQ(rec.complete, 1);
  EXPECT_EQ(rec.damaged, 2);
  const auto ga = *repo.get(a.id);
  EXPECT_EQ(ga.state, "complete");
  EXPECT_EQ(ga.frames, 30);
  EXPECT_EQ(ga.ended_at, 5002) << "start + the file's duration, rounded up";
  EXPECT_EQ(repo.get(b.id)->state, "damaged");
  EXPECT_EQ(repo.get(c.id)->state, "damaged");
  EXPECT_EQ(recover_recordings(repo).complete, 0) << "nothing left to recover";
}

TEST_F(recording_session_test, the_recorder_keeps_one_recording_per_camera) {
  store::recording_repository repo(*db);
  core::config::recording_section opts;
  opts.dir = "recs";
  recorder rec(repo, opts, dir);
  auto ch = std::make_shared<hub::channel>("1");
  const auto cam1 = access::camera_resource(cam);
  auto first = rec.start(cam1, {ch, nullptr}, {"demand", std::nullopt, std::nullopt});
  ASSERT_TRUE(std::holds_alternative<store::recording_row>(first)) << std::get<std::string>(first);
  const auto row1 = std::get<store::recording_row>(first);
  ASSERT_TRUE(rec.current(cam1));
  EXPECT_EQ(rec.current(cam1)->id, row1.id);
  EXPECT_EQ(rec.current(cam1)->cause.reason, "demand");
  EXPECT_TRUE(row1.path.starts_with((dir / "recs" / ("camera-" + std::to_string(cam))).string()))
      << row1.path;
  auto again = rec.start(cam1, {ch, nullptr}, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(again));
  EXPECT_NE(std::get<std::string>(again).find("already recording"), std::string::npos);
  publish(*ch, 8);
  const auto done = rec.stop(cam1);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, "complete");
  EXPECT_EQ(done->frames, 8);
  EXPECT_FALSE(rec.current(cam1));
  EXPECT_FALSE(rec.stop(cam1));
  // A new one right away gets a file of its own.
  auto lease = std::make_shared<int>(1);
  auto second = rec.start(cam1, {ch, lease}, {});
  ASSERT_TRUE(std::holds_alternative<store::recording_row>(second));
  const auto row2 = std::get<store::recording_row>(second);
  EXPECT_NE(row2.path, row1.path);
  EXPECT_EQ(rec.active().size(), 1u);
  EXPECT_EQ(lease.use_count(), 2) << "the recorder holds the feed's lease while it records";
  rec.stop_all();
  EXPECT_EQ(lease.use_count(), 1) << "and lets it go when it stops";
  // The second got no picture: neither its file nor its row is kept.
  EXPECT_EQ(repo.list().size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(row2.path));
}

namespace {
// Counts what a channel delivers, as a live viewer would receive it.
struct counting_viewer : hub::subscriber {
  std::atomic<int> frames{0};
  void deliver(const core::frame_ptr&) override { ++frames; }
  void end(core::end_reason) override {}
};
}  // namespace

// /dev/full answers every write with ENOSPC, as a full disk does.
TEST_F(recording_session_test, a_full_disk_is_a_clear_error_and_the_stream_goes_on) {
  store::recording_repository repo(*db);
  auto ch = std::make_shared<hub::channel>("1");
  auto viewer = std::make_shared<counting_viewer>();
  ch->subscribe(viewer);
  std::string error;
  auto s = recording_session::start(repo, ch, row(), {"/dev/full", 800, 500ms, 1000ms, 15}, error);
  ASSERT_TRUE(s) << error;
  publish(*ch, 20);
  for (int i = 0; i < 50 && s->failure().empty(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_NE(s->failure().find("space"), std::string::npos) << s->failure();
  EXPECT_EQ(viewer->frames, 20) << "the viewer got every picture while the recording failed";
  const auto done = s->stop();
  EXPECT_EQ(done.state, "damaged");
  ch->unsubscribe(viewer.get());
}
