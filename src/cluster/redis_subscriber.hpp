#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/redis_connection.hpp"

namespace camgate::cluster {

// The loop of a thread that listens on Redis pub/sub channels: connects, subscribes,
// hands every message to `on_message`, and while Redis is away retries every 250 ms.
// `on_subscribed(again)` runs after each subscription (again: after an outage, when
// messages may have been missed). Shared by the change feed and the signaling bus.
class redis_subscriber {
 public:
  using message_handler =
      std::function<void(const std::string& channel, const std::string& payload)>;

  // `name` prefixes the log lines ("change feed", "signaling bus").
  redis_subscriber(redis_endpoint where, std::vector<std::string> channels, std::string name);

  // Runs on the calling thread until stop(). Handlers run on it too.
  void run(const std::function<void(bool again)>& on_subscribed, const message_handler& on_message);
  // From any thread: run() returns soon (a blocked read is interrupted).
  void stop();
  bool connected() const;

 private:
  const redis_endpoint where_;
  const std::vector<std::string> channels_;
  const std::string name_;
  mutable std::mutex mutex_;  // current_, stopping_, connected_
  std::condition_variable wake_;
  redis_connection* current_ = nullptr;
  bool stopping_ = false;
  bool connected_ = false;
};

}  // namespace camgate::cluster
