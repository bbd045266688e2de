#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cameras/camera_registry.hpp"
#include "cluster/redis_connection.hpp"

namespace camgate::cluster {

struct lease_options {
  std::chrono::milliseconds ttl{3000};    // a lease not renewed for this long is free
  std::chrono::milliseconds renew{1000};  // how often leases are renewed and taken
};

// One lease per camera in Redis, so the cluster keeps ONE upstream per camera:
//   camgate:lease:camera:<id> = "<node_id>|<token>"  SET NX PX ttl, token from INCR
//   camgate:fence:camera:<id>, renewed by a compare-and-PEXPIRE script.
// The owner pulls the camera itself (cameras::upstream::direct); every other node
// relays from the owner's /internal/cameras/<id>/stream (camgate:node:<node_id> holds
// its advertise_url). A lease found lost stops the pull at once; with Redis away the
// owner keeps pulling until its last renewal has run out, as nobody else can take it
// before then.
class camera_leases {
 public:
  camera_leases(redis_endpoint where, std::string node_id, std::string advertise_url,
                std::string secret, cameras::camera_registry& cameras, lease_options options = {});
  ~camera_leases();  // stops and joins
  camera_leases(const camera_leases&) = delete;
  camera_leases& operator=(const camera_leases&) = delete;

  void start();
  void stop();
  // Called on the lease thread when this node takes or loses a lease (the recorder's
  // next pass, at once). Set before start().
  void on_ownership_change(std::function<void()> fn) { changed_ = std::move(fn); }

  // Whether this node holds camera `id`'s lease with fencing token `token` (the
  // internal stream refuses relays that followed an older owner).
  bool holds(std::int64_t id, std::int64_t token) const;
  std::vector<std::int64_t> held() const;
  // Whether this node holds camera `id`'s lease now (it pulls, records and analyses it).
  bool holds(std::int64_t id) const;
  // The node that holds it, as last seen ("" when none or unknown yet).
  std::string owner_of(std::int64_t id) const;
  bool connected() const { return connected_; }
  std::uint64_t acquired_total() const { return acquired_; }

 private:
  struct camera_state {
    cameras::upstream mode = cameras::upstream::held;
    std::int64_t token = 0;                           // ours, when direct
    std::chrono::steady_clock::time_point renewed{};  // last successful renewal
    std::string owner;                                // the lease value we relay for
    std::string owner_url;
    std::int64_t relay_expires = 0;  // unix seconds: the relay URL's signature
  };

  void run();
  void tick(redis_connection& redis);
  void tick_camera(redis_connection& redis, std::int64_t id, camera_state& st);
  bool try_acquire(redis_connection& redis, std::int64_t id, camera_state& st);
  void set_mode(std::int64_t id, camera_state& st, cameras::upstream mode);
  void relay(std::int64_t id, camera_state& st, const std::string& owner, const std::string& url);
  void expire_unrenewed();

  const redis_endpoint where_;
  const std::string node_id_;
  const std::string advertise_url_;
  const std::string secret_;
  cameras::camera_registry& cameras_;
  const lease_options options_;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> acquired_{0};
  std::mutex mutex_;  // stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::int64_t, camera_state> states_;  // the lease thread's alone
  mutable std::mutex held_mutex_;
  std::map<std::int64_t, std::int64_t> held_;   // camera -> our token, guarded by held_mutex_
  std::map<std::int64_t, std::string> owners_;  // camera -> its owner node, guarded by held_mutex_
  // After Redis comes back (empty, if it restarted) the owners take their leases again
  // first: the others wait one ttl before taking a free one, so viewers see no gap.
  std::chrono::steady_clock::time_point quiet_until_{};  // the lease thread's alone
  std::function<void()> changed_;
  std::thread thread_;
};

}  // namespace camgate::cluster
