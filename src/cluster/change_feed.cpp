#include "cluster/change_feed.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace camgate::cluster {
namespace {

constexpr const char* kChannel = "camgate:changes";
constexpr std::chrono::milliseconds kTimeout{500};

}  // namespace

change_feed::change_feed(redis_endpoint where, std::string node_id,
                         std::function<void(const std::string&)> apply)
    : where_(std::move(where)), node_id_(std::move(node_id)), apply_(std::move(apply)) {}

change_feed::~change_feed() {
  stop();
}

void change_feed::start() {
  thread_ = std::thread([this] { run(); });
  publisher_thread_ = std::thread([this] { run_publisher(); });
}

void change_feed::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (subscriber_) subscriber_->interrupt();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(publish_mutex_);
    stopping_publisher_ = true;
  }
  publish_wake_.notify_all();
  if (publisher_thread_.joinable()) publisher_thread_.join();
}

void change_feed::publish(const std::string& what) {
  {
    std::lock_guard lock(publish_mutex_);
    pending_.insert(what);
  }
  publish_wake_.notify_one();
}

void change_feed::run_publisher() {
  std::unique_ptr<redis_connection> conn;
  std::unique_lock lock(publish_mutex_);
  while (true) {
    publish_wake_.wait(lock, [this] { return stopping_publisher_ || !pending_.empty(); });
    // Leaving: what is still queued goes out first (the last write before SIGTERM).
    if (stopping_publisher_ && pending_.empty()) return;
    auto batch = std::exchange(pending_, {});
    lock.unlock();
    for (const auto& what : batch) {
      // Two tries: the kept connection may have died since the last notice.
      for (int attempt = 0; attempt < 2; ++attempt) {
        try {
          if (!conn) conn = std::make_unique<redis_connection>(where_, kTimeout);
          conn->command({"PUBLISH", kChannel, node_id_ + "\n" + what});
          break;
        } catch (const redis_error& e) {
          conn.reset();
          if (attempt == 1)
            spdlog::warn("cluster: cannot publish a change ({}): other nodes resync on reconnect",
                         e.what());
        }
      }
    }
    lock.lock();
  }
}

void change_feed::run() {
  bool warned = false;
  while (true) {
    std::unique_ptr<redis_connection> conn;
    try {
      conn = std::make_unique<redis_connection>(where_, kTimeout);
      conn->command({"SUBSCRIBE", kChannel});
    } catch (const redis_error& e) {
      connected_ = false;
      if (!warned) spdlog::warn("cluster: change feed: {}", e.what());
      warned = true;
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; }))
        return;
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      subscriber_ = conn.get();
    }
    connected_ = true;
    if (warned) spdlog::info("cluster: change feed connected again; reloading the access index");
    warned = false;
    // Whatever was published while we were away: reload everything once.
    try {
      apply_("all");
    } catch (const std::exception& e) {
      spdlog::error("cluster: cannot reload after reconnecting: {}", e.what());
    }
    try {
      while (true) {
        const auto msg = conn->next_message();
        // ["message", channel, "<node>\n<what>"]
        if (msg.type != redis_reply::kind::array || msg.elements.size() != 3 ||
            msg.elements[0].str != "message")
          continue;
        const auto& body = msg.elements[2].str;
        const auto nl = body.find('\n');
        if (nl == std::string::npos || body.substr(0, nl) == node_id_) continue;  // ours
        try {
          apply_(body.substr(nl + 1));
        } catch (const std::exception& e) {
          spdlog::error("cluster: cannot apply a change from another node: {}", e.what());
        }
      }
    } catch (const redis_error& e) {
      connected_ = false;
      {
        std::lock_guard lock(mutex_);
        subscriber_ = nullptr;
        if (stopping_) return;
      }
      spdlog::warn("cluster: change feed lost Redis ({}); reconnecting", e.what());
      warned = true;
    }
  }
}

}  // namespace camgate::cluster
