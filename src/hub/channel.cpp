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
    targets = subscribers_;
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

void channel::subscribe(const std::shared_ptr<subscriber>& s) {
  core::end_reason reason;
  {
    std::lock_guard lock(mutex_);
    if (!ended_) {
      auto next = std::make_shared<list>();
      next->reserve(subscribers_->size() + 1);
      for (const auto& e : *subscribers_)
        if (!e.who.expired()) next->push_back(e);
      // After the others of its thread (stable: arrival order within a thread).
      const auto home = s->home();
      const auto at =
          std::upper_bound(next->begin(), next->end(), home,
                           [](auto* h, const entry& e) { return std::less<>()(h, e.home); });
      next->insert(at, entry{s, home});
      subscribers_ = std::move(next);
      return;
    }
    reason = end_reason_;
  }
  s->end(reason);
}

void channel::unsubscribe(const subscriber* s) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<list>();
  next->reserve(subscribers_->size());
  for (const auto& e : *subscribers_) {
    auto p = e.who.lock();
    if (p && p.get() != s) next->push_back(e);
  }
  subscribers_ = std::move(next);
}

std::size_t channel::viewers() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(subscribers_->begin(), subscribers_->end(),
                                                [](const auto& e) { return !e.who.expired(); }));
}

void channel::end(core::end_reason why) {
  std::shared_ptr<const list> targets;
  std::vector<waiter> waiters;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = true;
    end_reason_ = why;
    targets = std::exchange(subscribers_, std::make_shared<const list>());
    waiters.swap(waiters_);
    latest_.reset();
  }
  for (const auto& e : *targets) {
    if (auto s = e.who.lock()) s->end(why);
  }
  for (auto& w : waiters) w(nullptr);
}

}  // namespace camgate::hub
