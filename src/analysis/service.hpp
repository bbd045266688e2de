#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "access/access_index.hpp"
#include "analysis/event_hub.hpp"
#include "analysis/http_analyzer.hpp"
#include "analysis/profile.hpp"
#include "analysis/resource_analysis.hpp"
#include "core/asio.hpp"
#include "hub/feed.hpp"
#include "store/analysis_repository.hpp"

namespace camgate::analysis {

// What the service needs from the rest of the gateway (the composition root fills it).
struct service_hooks {
  // Every camera and robot there is now.
  std::function<std::vector<access::resource>()> resources;
  // The pictures of `what`, or nullopt with why (no such camera, robot offline).
  std::function<std::optional<hub::feed>(access::resource what, std::string& why)> open_feed;
  // Whether someone watches `what` now (for profiles that run "watched").
  std::function<bool(access::resource what)> watched;
  // The source's state ("streaming", "stale", "offline", "online" ...), for camera-state
  // events; nullopt when unknown. Unset: no camera-state events.
  std::function<std::optional<std::string>(access::resource what)> state_of;
  // In a cluster: whether this node analyses `what` (it holds the camera's lease, the robot
  // is connected here); the others neither analyse it nor report its state, so its events
  // are made and stored once. Unset: every camera and robot is this gateway's.
  std::function<bool(access::resource what)> owns;
};

struct service_options {
  std::size_t workers = 2;
  builtin_settings builtins;
  profile defaults;  // a camera's or robot's profile until it has its own
  double max_fps = 10;
  std::int64_t keep_days = 7;  // 0: no age limit
  std::int64_t max_results = 1000000;
  std::map<std::string, http_analyzer_options> external;  // by name
  std::chrono::milliseconds tick{50};
};

// What the API shows of one camera's or robot's analysis.
struct analysis_status {
  profile current;
  bool own_profile = false;
  bool running = false;
  std::string why_not;  // when not running: "profile is off", "nobody watches", ...
  std::uint64_t passes = 0;
  std::uint64_t skipped = 0;  // due while the previous pass still ran: the latest wins
  nlohmann::json last;        // the last analysis event's body, null before the first
};

// Continuous analysis of every camera and robot by its profile. Its own thread ticks:
// every second it decides who runs (profile, viewers, bookings) and reports camera
// state changes; at each resource's rate it takes the channel's latest picture and hands
// one pass to the bounded worker pool, never queueing: a pass still running when the
// next is due makes that one skipped. External analyzers run on the service's thread
// (asynchronous HTTP), at most one request per camera each. Events go to the hub; those
// of profiles that keep results are written to the store once a second, and retention
// prunes them hourly. Thread-safe.
class service {
 public:
  service(service_options options, service_hooks hooks, event_hub& events,
          store::analysis_repository& repo, const access::access_index& index);
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  void start();
  void stop();  // idempotent; waits for running passes; flushes the results

  // Profiles: the own one (store) or the default.
  profile profile_of(access::resource what) const;
  // Stores `p` (throws store::error) and applies it at the next tick.
  void set_profile(access::resource what, const profile& p, std::optional<std::int64_t> by);
  void reset_profile(access::resource what);  // back to the default
  analysis_status status_of(access::resource what) const;

  // Built-in and external analyzer names, for profile checks and ?analyzer=.
  std::set<std::string> known_analyzers() const;
  double max_fps() const { return options_.max_fps; }
  const profile& defaults() const { return options_.defaults; }
  const builtin_settings& builtins() const { return options_.builtins; }
  // The external analyzer `name`, or null.
  std::shared_ptr<http_analyzer> external(const std::string& name) const;

  // Decides who runs and runs what is due now, on the service thread, and waits for it:
  // a changed profile shows in status_of() at once. Blocks up to a tick: not on I/O threads.
  void tick_now();

  // For /metrics and the bench.
  std::uint64_t passes() const { return passes_.load(std::memory_order_relaxed); }
  std::uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  std::uint64_t stored() const { return stored_.load(std::memory_order_relaxed); }

 private:
  struct slot;
  using key = std::pair<int, std::int64_t>;
  static key key_of(access::resource r) { return {static_cast<int>(r.kind), r.id}; }

  void schedule();
  void tick();
  void reconcile(std::int64_t now_us);
  void report_states(const std::vector<access::resource>& all, std::int64_t now_us);
  void run_due(const std::shared_ptr<slot>& s, std::int64_t now_us);
  void run_external(slot& s, const core::frame_ptr& picture);
  void publish(const std::vector<event_ptr>& events, bool keep);
  void flush_results(std::int64_t now_us);
  bool booked_now(access::resource what, std::int64_t now_s) const;

  const service_options options_;
  const service_hooks hooks_;
  event_hub& events_;
  store::analysis_repository& repo_;
  const access::access_index& index_;

  asio::io_context ioc_;
  asio::steady_timer timer_{ioc_};
  std::unique_ptr<asio::thread_pool> workers_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  bool started_ = false;

  std::map<std::string, std::shared_ptr<http_analyzer>> external_;

  mutable std::mutex profiles_mu_;
  std::map<key, profile> own_profiles_;  // loaded at start, kept with the store

  // Touched on the service thread, read by status_of under slots_mu_.
  mutable std::mutex slots_mu_;
  std::map<key, std::shared_ptr<slot>> slots_;
  std::map<key, std::string> states_;  // the last reported source state
  std::int64_t next_reconcile_us_ = 0;
  std::int64_t next_prune_us_ = 0;

  std::mutex pending_mu_;
  std::vector<store::analysis_event_row> pending_;
  std::uint64_t pending_dropped_ = 0;

  std::atomic<std::uint64_t> passes_{0};
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> stored_{0};
};

}  // namespace camgate::analysis
