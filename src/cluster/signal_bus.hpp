#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cluster/redis_connection.hpp"
#include "cluster/redis_subscriber.hpp"
#include "signaling/hub.hpp"

namespace camgate::cluster {

// Signaling across the cluster's nodes, over Redis (docs/cluster.md "Signaling across
// nodes"):
// - presence: `camgate:robot:<name>` = `<node_id>|<robot id>` while the robot is connected
//   to that node (PX 3000, renewed every second), and a notice on `camgate:presence` when
//   it joins or leaves; every node also rescans the keys each second, so a node that died
//   takes its robots with it within ~4 s;
// - routing: one pub/sub channel per node, `camgate:signal:<node_id>`; a message is a JSON
//   header line (from, to, robot, viewer, type) and the payload as the sender wrote it.
// The hub calls robot_online/robot_offline/send with its lock held: they only queue; one
// thread sends, one thread receives and calls the hub.
class signal_bus : public signaling::cluster_port {
 public:
  signal_bus(redis_endpoint where, std::string node_id, signaling::hub& hub);
  ~signal_bus() override;  // stops and joins
  signal_bus(const signal_bus&) = delete;
  signal_bus& operator=(const signal_bus&) = delete;

  void start();
  // Sends what is queued (the robots' leave notices after the hub closed them), then stops.
  void stop();

  void robot_online(const std::string& robot, std::int64_t robot_id) override;
  void robot_offline(const std::string& robot) override;
  void send(const std::string& node, signaling::cluster_message m) override;

 private:
  using clock = std::chrono::steady_clock;
  struct known_robot {
    std::string node;
    std::int64_t robot_id = 0;
    clock::time_point seen;
  };
  struct outgoing {
    std::string channel;  // empty: a presence change of `robot`
    std::string payload;
    std::string robot;
    std::int64_t robot_id = 0;  // presence: 0 = left
  };

  void run_sender();
  void run_receiver();
  void renew_and_rescan(redis_connection& conn);
  void presence_notice(const std::string& text);
  void seen_online(const std::string& robot, const std::string& node, std::int64_t id);
  void seen_offline(const std::string& robot, const std::string& node);

  const redis_endpoint where_;
  const std::string node_id_;
  signaling::hub& hub_;

  std::mutex mutex_;  // queue_, local_, stopping_
  std::condition_variable wake_;
  std::deque<outgoing> queue_;
  std::map<std::string, std::int64_t> local_;  // robots connected here
  bool stopping_ = false;
  redis_subscriber receiver_;  // its thread is receiver_thread_

  std::mutex known_mutex_;                         // known_, gone_
  std::map<std::string, known_robot> known_;       // robots on other nodes
  std::map<std::string, clock::time_point> gone_;  // left lately: a rescan must not revive them

  std::set<std::string> live_nodes_;  // camgate:node:* at the last rescan (sender thread)

  std::thread sender_;
  std::thread receiver_thread_;
};

}  // namespace camgate::cluster
