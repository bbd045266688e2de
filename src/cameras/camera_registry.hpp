#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/asio.hpp"
#include "hub/channel.hpp"
#include "sources/camera_source.hpp"
#include "store/camera_repository.hpp"

namespace camgate::cameras {

// Where a camera's frames come from. In a cluster only the node holding the camera's
// lease pulls it (direct); the others relay from that node, or hold while no node does.
enum class upstream { direct, relay, held };

// A registered camera: its stored record, its hub channel and the one source that
// feeds it. Viewers hold the channel; the record and pointers never change.
struct camera {
  store::camera_record record;
  std::shared_ptr<hub::channel> channel;
  std::shared_ptr<sources::camera_source> source;
  upstream from = upstream::direct;  // a cluster node's choice (set_upstream)
};

// The cameras the gateway serves, kept in step with the store: adding one persists
// it and starts its upstream connection; removing one ends its viewers and stops it.
class camera_registry {
 public:
  camera_registry(asio::io_context& ioc, store::camera_repository& repository,
                  sources::source_options options);
  ~camera_registry();

  // Cameras start held (no upstream connection) until set_upstream() says where to pull
  // from: a cluster node, which must not pull a camera it does not own. Before load().
  void hold_sources() { held_ = true; }
  // Told after add, remove and rename here (a cluster tells the other nodes). Before load().
  void on_change(std::function<void()> f) { on_change_ = std::move(f); }
  // Follows the store after another node's add, remove or rename: starts the cameras
  // it lacks (held, in a cluster), ends the ones gone from the store, renames the rest.
  void reload();
  // Starts a source for every camera in the store (held ones are created, not started).
  void load();
  // Replaces camera `id`'s source: its own address (direct), `relay_from` (relay), or
  // none (held). The channel and its viewers stay. False: no such camera.
  bool set_upstream(std::int64_t id, upstream mode, sources::camera_endpoint relay_from = {});
  std::shared_ptr<const camera> add(store::camera_record record);
  bool remove(std::int64_t id, core::end_reason why = core::end_reason::camera_removed);
  // Renames in the store and here. A camera is immutable, so this swaps in a copy with
  // the new name (same channel and source); viewers are not disturbed.
  bool rename(std::int64_t id, const std::string& name);
  std::shared_ptr<const camera> get(std::int64_t id) const;
  // The camera that talks to device host:port (by address or URL), if any: an ESP32
  // serves one stream client, so a second upstream to it would starve the first.
  std::shared_ptr<const camera> find_device(const std::string& host, int port) const;
  // add() unless find_device() has one already; .second tells which happened.
  std::pair<std::shared_ptr<const camera>, bool> add_unique(store::camera_record record);
  std::vector<std::shared_ptr<const camera>> list() const;
  // Ends every viewer and stops every source (gateway shutdown).
  void stop_all(core::end_reason why);

 private:
  std::shared_ptr<camera> start(store::camera_record record);

  asio::io_context& ioc_;
  store::camera_repository& repository_;
  sources::source_options options_;
  bool held_ = false;
  std::function<void()> on_change_;
  mutable std::mutex mutex_;
  std::mutex add_mutex_;  // makes add_unique's look-up and add one step
  std::map<std::int64_t, std::shared_ptr<camera>> cameras_;
};

}  // namespace camgate::cameras
