#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cluster/redis_connection.hpp"
#include "cluster/redis_subscriber.hpp"

namespace camgate::cluster {

// Tells every node of the cluster that rows changed ("access": users, robots, bookings;
// "cameras"), over the Redis pub/sub channel "camgate:changes": publish() after a write
// here; `apply(what)` runs (on the feed's thread) for every other node's message, and
// apply("all") after every (re)subscription, since a message may have been missed.
// Pub/sub carries no rows: each node reloads from the shared store, so a lost or late
// message costs a reload, never a wrong index.
class change_feed {
 public:
  change_feed(redis_endpoint where, std::string node_id,
              std::function<void(const std::string& what)> apply);
  ~change_feed();  // stops and joins
  change_feed(const change_feed&) = delete;
  change_feed& operator=(const change_feed&) = delete;

  void start();
  void stop();
  // Queues the notice and returns: a thread of the feed sends it, so a request never
  // waits on Redis. Notices not yet sent are merged (they carry no rows). A Redis outage
  // is logged; the others resync when it is back.
  void publish(const std::string& what);
  bool connected() const { return subscriber_.connected(); }

 private:
  void run();
  void run_publisher();

  const redis_endpoint where_;
  const std::string node_id_;
  const std::function<void(const std::string& what)> apply_;
  redis_subscriber subscriber_;  // its thread is thread_
  std::mutex publish_mutex_;     // pending_, stopping_publisher_
  std::condition_variable publish_wake_;
  std::set<std::string> pending_;
  bool stopping_publisher_ = false;
  std::thread thread_;
  std::thread publisher_thread_;
};

}  // namespace camgate::cluster
