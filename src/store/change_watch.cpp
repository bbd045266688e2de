#include "store/change_watch.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "store/database.hpp"

namespace camgate::store {
namespace {

std::int64_t data_version(database& db) {
  auto guard = db.lock();
  return db.backend().data_version();
}

}  // namespace

change_watch::change_watch(database& db, std::chrono::milliseconds interval,
                           std::function<void()> on_change)
    : db_(db), interval_(interval), on_change_(std::move(on_change)) {
  // Read now: whoever loads after constructing the watch misses no change.
  const std::int64_t first = data_version(db_);
  thread_ = std::thread([this, first] { run(first); });
}

change_watch::~change_watch() {
  stop();
}

void change_watch::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void change_watch::run(std::int64_t seen) {
  std::unique_lock lock(mutex_);
  bool failing = false;  // warn once per outage, not at every poll
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      const std::int64_t now = data_version(db_);
      // Back after an outage: whatever changed meanwhile is reloaded.
      if (now != seen || failing) on_change_();
      if (failing) spdlog::info("store: following changes by other processes again");
      failing = false;
      seen = now;
    } catch (const std::exception& e) {
      if (!failing) spdlog::warn("store: cannot follow changes by other processes: {}", e.what());
      failing = true;
    }
    lock.lock();
  }
}

}  // namespace camgate::store
