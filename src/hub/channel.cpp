#include "hub/channel.hpp"

#include <algorithm>
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
  for (const auto& weak : *targets) {
    if (auto s = weak.lock()) s->deliver(f);
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
      for (const auto& w : *subscribers_)
        if (!w.expired()) next->push_back(w);
      next->push_back(s);
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
  for (const auto& w : *subscribers_) {
    auto p = w.lock();
    if (p && p.get() != s) next->push_back(w);
  }
  subscribers_ = std::move(next);
}

std::size_t channel::viewers() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(subscribers_->begin(), subscribers_->end(),
                                                [](const auto& w) { return !w.expired(); }));
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
  for (const auto& weak : *targets) {
    if (auto s = weak.lock()) s->end(why);
  }
  for (auto& w : waiters) w(nullptr);
}

}  // namespace camgate::hub
