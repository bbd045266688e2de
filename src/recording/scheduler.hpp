#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "access/access_index.hpp"
#include "recording/recorder.hpp"

namespace camgate::recording {

// What the scheduler needs from the rest of the gateway (the composition root fills it).
struct scheduler_hooks {
  // Every camera and robot there is now.
  std::function<std::vector<access::resource>()> resources;
  // The pictures of `what`, or nullopt with why (no such camera, robot offline, p2p).
  std::function<std::optional<feed>(access::resource what, std::string& why)> open_feed;
  // The id of `user`'s booking of `what` that covers `now`, to own its recording.
  std::function<std::optional<std::int64_t>(std::int64_t user, access::resource what,
                                            std::int64_t now)>
      booking_at;
  // In a cluster: whether this node records `what` (it holds the camera's lease, the
  // robot is connected here). Unset: every camera and robot is this gateway's.
  std::function<bool(access::resource what)> owns;
  // The node that does when this one does not ("" when none does yet), for messages.
  std::function<std::string(access::resource what)> owner;
};

// The state of one camera's or robot's recording, for the API and the REC indicator.
struct recording_status {
  std::string policy;          // the one in force: "off", "bookings", "continuous"
  bool policy_is_own = false;  // set for this resource, not the [recording] default
  std::optional<active_recording> current;
  std::optional<std::string> last_error;  // why recording could not start or stopped
  std::string node;  // in a cluster, the other node that records it ("" here or none)
};

// Decides what records: each pass starts and stops recordings so that every camera and
// robot follows its policy ("bookings": while a booking of it is live, one recording per
// booking run, owned by the booking; "continuous": always, a new file every
// `segment`). A recording asked for through the API ("demand") runs until it is stopped
// or its resource goes, a user's own until their booking ends too; a policy never stops
// it. A resource that failed (a full disk,
// an offline robot) is tried again after `retry`. In a cluster only the node that owns a
// camera or robot (hooks.owns) records it: a recording of one it no longer owns, policy's
// or demand's, is ended cleanly at the next pass. Thread-safe.
class scheduler {
 public:
  scheduler(recorder& rec, store::recording_repository& repo, const access::access_index& index,
            std::string default_policy, scheduler_hooks hooks,
            std::chrono::seconds segment = std::chrono::hours(1),
            std::chrono::seconds retry = std::chrono::seconds(10));

  // One pass at `now` (unix seconds). Blocks while files open or close: call it from the
  // recording thread (recording::service) or a test.
  void reconcile(std::int64_t now);

  // On demand, for `user` (their live booking of it, if any, owns it).
  std::variant<store::recording_row, std::string> start_demand(access::resource what,
                                                               std::optional<std::int64_t> user,
                                                               std::int64_t now);
  // Stops `what`'s demand recording: nullopt when it has none; an error when its
  // recording is the policy's (change the policy to stop it).
  std::variant<std::monostate, store::recording_row, std::string> stop_demand(
      access::resource what);

  recording_status status(access::resource what);
  // The policy of `what`: its own, else the default.
  std::pair<std::string, bool> policy_of(access::resource what);

 private:
  void start(access::resource what, recording_cause cause, std::int64_t now);
  void failed(access::resource what, std::string why, std::int64_t now);
  void clear_failure(access::resource what);
  bool may_retry(access::resource what, std::int64_t now);
  bool owns(access::resource what) const { return !hooks_.owns || hooks_.owns(what); }
  std::string elsewhere(access::resource what) const;

  recorder& rec_;
  store::recording_repository& repo_;
  const access::access_index& index_;
  const std::string default_policy_;
  const scheduler_hooks hooks_;
  const std::chrono::seconds segment_;
  const std::chrono::seconds retry_;
  std::mutex mu_;  // one pass or demand at a time
  struct failure {
    std::string why;
    std::int64_t retry_at = 0;
  };
  mutable std::mutex failures_mu_;  // apart from mu_: status() never waits for a pass
  std::map<std::pair<int, std::int64_t>, failure> failures_;  // guarded by failures_mu_
};

}  // namespace camgate::recording
