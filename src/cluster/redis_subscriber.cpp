#include "cluster/redis_subscriber.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

namespace camgate::cluster {
namespace {

constexpr std::chrono::milliseconds kTimeout{500};
constexpr std::chrono::milliseconds kRetry{250};

}  // namespace

redis_subscriber::redis_subscriber(redis_endpoint where, std::vector<std::string> channels,
                                   std::string name)
    : where_(std::move(where)), channels_(std::move(channels)), name_(std::move(name)) {}

void redis_subscriber::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  if (current_) current_->interrupt();
  wake_.notify_all();
}

bool redis_subscriber::connected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

void redis_subscriber::run(const std::function<void(bool again)>& on_subscribed,
                           const message_handler& on_message) {
  bool warned = false;
  std::vector<std::string> subscribe{"SUBSCRIBE"};
  subscribe.insert(subscribe.end(), channels_.begin(), channels_.end());
  while (true) {
    std::unique_ptr<redis_connection> conn;
    try {
      conn = std::make_unique<redis_connection>(where_, kTimeout);
      conn->command(subscribe);
    } catch (const redis_error& e) {
      if (!warned) spdlog::warn("cluster: {}: {}", name_, e.what());
      warned = true;
      std::unique_lock lock(mutex_);
      connected_ = false;
      if (wake_.wait_for(lock, kRetry, [this] { return stopping_; })) return;
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      current_ = conn.get();
      connected_ = true;
    }
    on_subscribed(std::exchange(warned, false));
    try {
      while (true) {
        // ["message", channel, payload]
        const auto msg = conn->next_message();
        if (msg.type != redis_reply::kind::array || msg.elements.size() != 3 ||
            msg.elements[0].str != "message")
          continue;
        on_message(msg.elements[1].str, msg.elements[2].str);
      }
    } catch (const redis_error& e) {
      {
        std::lock_guard lock(mutex_);
        current_ = nullptr;
        connected_ = false;
        if (stopping_) return;
      }
      spdlog::warn("cluster: {} lost Redis ({}); reconnecting", name_, e.what());
      warned = true;
    }
  }
}

}  // namespace camgate::cluster
