#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "analysis/event_hub.hpp"
#include "cluster/redis_connection.hpp"
#include "cluster/redis_subscriber.hpp"

namespace camgate::cluster {

// Analysis events across the cluster's nodes: only a camera's owner analyses it, so its
// events are forwarded to the viewers (SSE, WebSocket) on every other node. A sink of the
// local event hub publishes each event on the Redis channel `camgate:events` as
// "<node_id>\n<event JSON>"; every other node hands it to its hub's listeners (not its
// sinks: the owner stored it and told its webhooks and MQTT). Live, not queued: an event
// published while Redis is away is lost, as a viewer's dropped frame.
class event_bus : public analysis::event_sink {
 public:
  event_bus(redis_endpoint where, std::string node_id, analysis::event_hub& hub);
  ~event_bus() override;  // stops and joins
  event_bus(const event_bus&) = delete;
  event_bus& operator=(const event_bus&) = delete;

  void start();
  void stop();

  // The hub's sink: queues (bounded) for the sender thread; never blocks.
  void deliver(const analysis::event_ptr& e) override;

  std::uint64_t sent() const { return sent_; }
  std::uint64_t received() const { return received_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  void run_sender();
  void receive(const std::string& payload);

  const redis_endpoint where_;
  const std::string node_id_;
  analysis::event_hub& hub_;
  std::mutex mutex_;  // queue_, stopping_, started_
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  bool started_ = false;
  redis_subscriber receiver_;
  std::thread sender_;
  std::thread receiver_thread_;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace camgate::cluster
