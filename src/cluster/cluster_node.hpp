#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cameras/camera_registry.hpp"
#include "cluster/camera_leases.hpp"
#include "cluster/change_feed.hpp"
#include "core/config.hpp"
#include "http/router.hpp"

namespace camgate::cluster {

// This gateway as one node of a cluster ([cluster] redis): the change feed, the camera
// leases and the internal stream the other nodes relay from. Built by the app when
// Redis is configured; without it nothing here runs and the gateway is a single node.
class cluster_node {
 public:
  // Reads the secret (file); throws std::runtime_error on a configuration error.
  // `reload_access` reloads the whole access index (another node's change, or a
  // reconnect); camera changes reload the registry.
  cluster_node(const core::config& cfg, cameras::camera_registry& cameras,
               std::function<void()> reload_access);
  ~cluster_node();

  // The cameras must be held (registry.hold_sources()) before they are loaded; start()
  // sets the registry's on_change.
  void start(httpd::router& router);
  void stop();
  // After a write of users, robots or bookings here.
  void changed(const std::string& what) { feed_.publish(what); }

  const std::string& node_id() const { return node_id_; }
  // Whether this node pulls camera `id` (holds its lease): only the owner records and
  // analyses it. False until start() and the first lease taken.
  bool owns_camera(std::int64_t id) const { return leases_.holds(id); }
  // The node that pulls it ("" when none does yet, or not seen yet).
  std::string camera_owner(std::int64_t id) const { return leases_.owner_of(id); }
  // Told (on the lease thread) when this node takes or loses a camera. Before start().
  void on_ownership_change(std::function<void()> fn) { leases_.on_ownership_change(std::move(fn)); }
  // {"node_id", "role": "owner"|"relay", "redis": "connected"|"disconnected",
  //  "leases": [camera ids]} for /health.
  nlohmann::json status() const;
  // Prometheus lines for /metrics.
  std::string metrics() const;

 private:
  const core::config& cfg_;
  cameras::camera_registry& cameras_;
  std::string node_id_;
  std::string secret_;
  change_feed feed_;
  camera_leases leases_;
};

// <hostname>-<pid>: unique on a host and across hosts with distinct names.
std::string default_node_id();

}  // namespace camgate::cluster
