// The continuous analysis service with real threads, a real hub channel and SQLite.
#include "analysis/service.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <random>
#include <thread>

#include "camsim/frame_generator.hpp"
#include "store/database.hpp"

namespace camgate::analysis {
namespace {

using namespace std::chrono_literals;

// Collects events from the hub, for the test thread to wait on.
struct collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<event_ptr> events;

  void add(const event_ptr& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
    cv.notify_all();
  }
  // Waits until `pred` holds for the events so far.
  bool wait(const std::function<bool(const std::vector<event_ptr>&)>& pred,
            std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return pred(events); });
  }
  std::size_t count(const std::string& type) {
    std::lock_guard lock(mu);
    return std::count_if(events.begin(), events.end(),
                         [&](const auto& e) { return e->type == type; });
  }
};

class service_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("camgate-analysis-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    db_ = std::make_unique<store::database>(dir_ / "camgate.db");
    repo_ = std::make_unique<store::analysis_repository>(*db_);
    channel_ = std::make_shared<hub::channel>("1");
    listening_ =
        hub_.listen(access::camera_resource(1), [this](const event_ptr& e) { seen_.add(e); });
    publisher_ = std::thread([this] {
      camsim::frame_generator gen;
      for (std::uint64_t seq = 1; !stop_; ++seq) {
        if (!paused_) channel_->publish(gen.render({320, 240, 80, false}, seq));
        std::this_thread::sleep_for(30ms);
      }
    });
  }
  void TearDown() override {
    if (service_) service_->stop();
    stop_ = true;
    publisher_.join();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<service> make(service_options o = {},
                                std::function<bool(access::resource)> owns = {}) {
    o.tick = 10ms;
    service_hooks h;
    h.resources = [] { return std::vector<access::resource>{access::camera_resource(1)}; };
    h.open_feed = [this](access::resource, std::string&) {
      return std::optional<hub::feed>(hub::feed{channel_, nullptr});
    };
    h.watched = [this](access::resource) { return watched_.load(); };
    h.state_of = [this](access::resource) -> std::optional<std::string> {
      std::lock_guard lock(state_mu_);
      return state_;
    };
    h.owns = std::move(owns);
    return std::make_unique<service>(std::move(o), std::move(h), hub_, *repo_, index_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::database> db_;
  std::unique_ptr<store::analysis_repository> repo_;
  access::access_index index_;
  event_hub hub_;
  collector seen_;
  std::shared_ptr<void> listening_;
  std::shared_ptr<hub::channel> channel_;
  std::thread publisher_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::atomic<bool> watched_{false};
  std::mutex state_mu_;
  std::string state_ = "streaming";
  std::unique_ptr<service> service_;
};

TEST_F(service_test, AnAlwaysProfileAnalyzesAtItsRateAndStoresTheResults) {
  service_options o;
  o.defaults.when = run_when::always;
  o.defaults.fps = 10;
  o.defaults.analyzers = {"exposure", "motion"};
  service_ = make(o);
  service_->start();
  ASSERT_TRUE(seen_.wait([](const auto& ev) {
    return std::count_if(ev.begin(), ev.end(), [](auto& e) { return e->type == "analysis"; }) >= 8;
  }));
  const auto st = service_->status_of(access::camera_resource(1));
  EXPECT_TRUE(st.running);
  EXPECT_FALSE(st.last.is_null());
  EXPECT_TRUE(st.last["results"].contains("exposure"));
  service_->stop();
  // Stopping writes what waited: every analysis event is in the store.
  store::analysis_event_filter f{"camera", 1};
  f.type = "analysis";
  f.limit = 1000;
  EXPECT_EQ(repo_->events(f).size(), seen_.count("analysis"));
}

TEST_F(service_test, WatchedRunsOnlyWhileSomeoneWatchesAndTheProfileIsKept) {
  service_ = make();
  service_->start();
  profile p;
  p.when = run_when::watched;
  p.fps = 10;
  p.analyzers = {"sharpness"};
  service_->set_profile(access::camera_resource(1), p, std::nullopt);
  service_->tick_now();
  auto st = service_->status_of(access::camera_resource(1));
  EXPECT_FALSE(st.running);
  EXPECT_EQ(st.why_not, "nobody watches");
  EXPECT_TRUE(st.own_profile);
  watched_ = true;
  service_->tick_now();
  EXPECT_TRUE(service_->status_of(access::camera_resource(1)).running);
  ASSERT_TRUE(seen_.wait([](const auto& ev) { return ev.size() >= 3; }));
  service_->stop();
  // A new service (a restart) reads the stored profile.
  auto again = make();
  EXPECT_EQ(again->profile_of(access::camera_resource(1)).when, run_when::watched);
  again->reset_profile(access::camera_resource(1));
  EXPECT_EQ(again->profile_of(access::camera_resource(1)).when, run_when::off);
}

TEST_F(service_test, AStalledCameraIsFrozenAndItsStateChangesAreEvents) {
  service_options o;
  o.defaults.when = run_when::always;
  o.defaults.fps = 10;
  o.defaults.analyzers = {"frozen"};
  o.builtins.frozen_after_us = 400'000;
  service_ = make(o);
  service_->start();
  ASSERT_TRUE(seen_.wait([](const auto& ev) { return ev.size() >= 2; }));
  paused_ = true;
  {
    std::lock_guard lock(state_mu_);
    state_ = "stale";
  }
  ASSERT_TRUE(seen_.wait([](const auto& ev) {
    return std::any_of(ev.begin(), ev.end(), [](auto& e) {
      return e->type == "alert" && e->body["alert"] == "frozen" && e->body["state"] == "started";
    });
  }));
  ASSERT_TRUE(seen_.wait([](const auto& ev) {
    return std::any_of(ev.begin(), ev.end(), [](auto& e) {
      return e->type == "camera-state" && e->body["state"] == "stale" &&
             e->body["previous"] == "streaming";
    });
  }));
  paused_ = false;
  {
    std::lock_guard lock(state_mu_);
    state_ = "streaming";
  }
  ASSERT_TRUE(seen_.wait([](const auto& ev) {
    return std::any_of(ev.begin(), ev.end(), [](auto& e) {
      return e->type == "camera-state" && e->body["state"] == "streaming" &&
             e->body["back"] == true;
    });
  }));
}

TEST_F(service_test, AnOffProfileAnalyzesNothing) {
  service_ = make();
  service_->start();
  service_->tick_now();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(seen_.count("analysis"), 0u);
  EXPECT_EQ(service_->status_of(access::camera_resource(1)).why_not, "the profile is off");
}

TEST_F(service_test, OnlyTheOwnerAnalysesAndReportsStates) {
  // A cluster node that does not pull the camera: no passes, no camera-state events.
  std::atomic<bool> owned{false};
  service_options o;
  o.defaults.when = run_when::always;
  o.defaults.fps = 10;
  o.defaults.analyzers = {"exposure"};
  service_ = make(o, [&owned](access::resource) { return owned.load(); });
  service_->start();
  service_->tick_now();
  {
    std::lock_guard lock(state_mu_);
    state_ = "offline";
  }
  service_->tick_now();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(seen_.count("analysis"), 0u);
  EXPECT_EQ(seen_.count("camera-state"), 0u);
  EXPECT_EQ(service_->status_of(access::camera_resource(1)).why_not,
            "another node analyses it (the node that pulls it)");
  owned = true;  // the lease came here
  service_->tick_now();
  EXPECT_TRUE(seen_.wait([](const auto& ev) {
    return std::count_if(ev.begin(), ev.end(), [](auto& e) { return e->type == "analysis"; }) >= 3;
  }));
}

// An event another node made reaches this node's viewers, never its sinks again.
TEST(event_hub, RemoteEventsGoToListenersOnly) {
  struct counting_sink : event_sink {
    std::atomic<int> n{0};
    void deliver(const event_ptr&) override { ++n; }
  };
  event_hub hub;
  auto sink = std::make_shared<counting_sink>();
  hub.add_sink(sink);
  int heard = 0;
  auto handle = hub.listen(access::camera_resource(4), [&heard](const event_ptr&) { ++heard; });
  auto e = std::make_shared<event>();
  e->type = "analysis";
  e->resource = access::camera_resource(4);
  hub.publish_remote(e);
  EXPECT_EQ(heard, 1);
  EXPECT_EQ(sink->n, 0);
  hub.publish(e);
  EXPECT_EQ(heard, 2);
  EXPECT_EQ(sink->n, 1);
}

}  // namespace
}  // namespace camgate::analysis
