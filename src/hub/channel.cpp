#include "hub/channel.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace camgate::hub {

channel::channel(std::string camera_id) : camera_id_(std::move(camera_id)) {}

channel::~channel() = default;

void channel::publish(core::frame_ptr f) {
  std::shared_ptr<const list> targets;
  std::vector<waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    latest_ = f;
    targets = snapshot_locked();
    waiters.swap(waiters_);
  }
  published_.fetch_add(1, std::memory_order_relaxed);
  const auto n = targets->size();
  for (std::size_t i = 0; i < n;) {
    auto* home = (*targets)[i].home;
    if (!home) {
      if (auto s = (*targets)[i].who.lock()) s->deliver(f);
      ++i;
      continue;
    }
    std::size_t end = i;
    bool alive = false;  // a live subscriber keeps its socket, hence its io_context
    for (; end < n && (*targets)[end].home == home; ++end)
      alive = alive || !(*targets)[end].who.expired();
    if (!alive) {
      i = end;
      continue;
    }
    // One task for all of this thread's subscribers.
    asio::post(*home, [targets, f, i, end] {
      for (std::size_t k = i; k < end; ++k)
        if (auto s = (*targets)[k].who.lock()) s->deliver_here(f);
    });
    i = end;
  }
  for (auto& w : waiters) w(f);
}

core::frame_ptr channel::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

void channel::on_next_frame(waiter w) {
  {
    std::lock_guard lock(mutex_);
    if (!ended_) {
      waiters_.push_back(std::move(w));
      return;
    }
  }
  w(nullptr);
}

const std::shared_ptr<const channel::list>& channel::snapshot_locked() {
  if (!changed_) return subscribers_;
  changed_ = false;
  auto next = std::make_shared<list>();
  next->reserve(members_.size());
  for (auto it = members_.begin(); it != members_.end();) {
    if (it->second.who.expired()) {  // gone without unsubscribing
      it = members_.erase(it);
      continue;
    }
    next->push_back(it->second);
    ++it;
  }
  std::sort(next->begin(), next->end(), [](const entry& a, const entry& b) {
    return a.home != b.home ? std::less<>()(a.home, b.home) : a.order < b.order;
  });
  subscribers_ = std::move(next);
  return subscribers_;
}

void channel::subscribe(const std::shared_ptr<subscriber>& s) {
  core::end_reason reason;
  {
    std::lock_guard lock(mutex_);
    if (!ended_) {
      entry e{s, s->home(), arrivals_++};
      auto [it, added] = members_.try_emplace(s.get(), e);
      // The address of one that ended without unsubscribing, now reused: replace it.
      if (!added && it->second.who.expired()) it->second = std::move(e);
      changed_ = true;
      return;
    }
    reason = end_reason_;
  }
  s->end(reason);
}

void channel::unsubscribe(const subscriber* s) {
  std::lock_guard lock(mutex_);
  if (members_.erase(s) > 0) changed_ = true;
}

std::size_t channel::viewers() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(
      members_.begin(), members_.end(), [](const auto& m) { return !m.second.who.expired(); }));
}

void channel::end(core::end_reason why) {
  std::shared_ptr<const list> targets;
  std::vector<waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = true;
    end_reason_ = why;
    targets = snapshot_locked();
    subscribers_ = std::make_shared<const list>();
    members_.clear();
    waiters.swap(waiters_);
    latest_.reset();
  }
  for (const auto& e : *targets) {
    if (auto s = e.who.lock()) s->end(why);
  }
  for (auto& w : waiters) w(nullptr);
}

}  // namespace camgate::hub
