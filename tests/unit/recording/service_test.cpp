// The recording service's thread: start-up repair, passes woken by poke() from other
// threads, stop() while they poke. No camera here (no GStreamer): the scheduler is asked
// for resources and feeds, and the passes are counted.
#include "recording/service.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "store/audit_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/database.hpp"

using namespace camgate;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(recording_service, passes_run_on_its_thread_and_pokes_wake_it) {
  const fs::path dir = fs::temp_directory_path() / ("camgate-recsvc-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    store::database db(dir / "camgate.db");
    store::camera_record c;
    c.name = "chair";
    c.host = "10.0.0.1";
    const auto cam = store::camera_repository(db).add(c).id;
    store::recording_repository rows(db);
    store::audit_repository audit(db);
    // A row a crash left "recording", its file missing: the start-up repair ends it.
    store::recording_row left;
    left.resource_kind = "camera";
    left.resource_id = cam;
    left.reason = "continuous";
    left.path = (dir / "gone.mp4").string();
    const auto left_id = rows.start(left).id;
    access::access_index index;
    core::config::recording_section opts;
    opts.policy = "continuous";
    std::atomic<int> passes{0}, feeds{0};
    recording::scheduler_hooks hooks;
    hooks.resources = [&] {
      ++passes;
      return std::vector<access::resource>{access::camera_resource(cam)};
    };
    hooks.open_feed = [&](access::resource, std::string& why) -> std::optional<recording::feed> {
      ++feeds;
      why = "camera is down";
      return std::nullopt;
    };
    hooks.booking_at = [](std::int64_t, access::resource, std::int64_t) {
      return std::optional<std::int64_t>{};
    };
    recording::service svc(rows, audit, index, opts, dir, std::move(hooks));
    svc.start();
    EXPECT_EQ(rows.get(left_id)->state, "damaged");
    // The first pass tries, fails, and tells why; the retry waits, passes go on.
    for (int i = 0; i < 100 && passes < 1; ++i) std::this_thread::sleep_for(10ms);
    const auto before = passes.load();
    std::vector<std::thread> pokers;
    for (int t = 0; t < 4; ++t)
      pokers.emplace_back([&] {
        for (int i = 0; i < 50; ++i) {
          svc.poke();
          (void)svc.plan().status(access::camera_resource(cam));
          std::this_thread::sleep_for(1ms);
        }
      });
    for (auto& t : pokers) t.join();
    EXPECT_GT(passes.load(), before + 2) << "pokes woke the thread before its second";
    EXPECT_EQ(feeds.load(), 1) << "no retry before the delay";
    EXPECT_EQ(svc.plan().status(access::camera_resource(cam)).last_error,
              "cannot record: camera is down");
    svc.stop();
    const auto after = passes.load();
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(passes.load(), after) << "no pass after stop()";
    svc.stop();  // twice is fine
  }
  fs::remove_all(dir);
}
