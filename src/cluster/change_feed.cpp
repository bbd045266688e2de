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
    : where_(where),
      node_id_(std::move(node_id)),
      apply_(std::move(apply)),
      subscriber_(std::move(where), {kChannel}, "change feed") {}

change_feed::~change_feed() {
  stop();
}

void change_feed::start() {
  thread_ = std::thread([this] { run(); });
  publisher_thread_ = std::thread([this] { run_publisher(); });
}

void change_feed::stop() {
  subscriber_.stop();
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
  subscriber_.run(
      [this](bool again) {
        if (again) spdlog::info("cluster: change feed connected again; reloading the access index");
        // Whatever was published while we were away: reload everything once.
        try {
          apply_("all");
        } catch (const std::exception& e) {
          spdlog::error("cluster: cannot reload after reconnecting: {}", e.what());
        }
      },
      [this](const std::string&, const std::string& body) {
        // "<node>\n<what>"
        const auto nl = body.find('\n');
        if (nl == std::string::npos || body.substr(0, nl) == node_id_) return;  // ours
        try {
          apply_(body.substr(nl + 1));
        } catch (const std::exception& e) {
          spdlog::error("cluster: cannot apply a change from another node: {}", e.what());
        }
      });
}

}  // namespace camgate::cluster
