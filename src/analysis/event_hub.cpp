#include "analysis/event_hub.hpp"

#include <spdlog/spdlog.h>

namespace camgate::analysis {

std::shared_ptr<void> event_hub::listen(access::resource what, listener l) {
  auto e = std::make_shared<entry>(entry{std::move(l)});
  std::lock_guard lock(mutex_);
  auto& current = listeners_[key_of(what)];
  auto next = std::make_shared<list>();
  if (current)
    for (const auto& w : *current)
      if (!w.expired()) next->push_back(w);  // drop the gone while copying
  next->push_back(e);
  current = std::move(next);
  return e;
}

void event_hub::add_sink(std::shared_ptr<event_sink> sink) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<std::vector<std::shared_ptr<event_sink>>>(*sinks_);
  next->push_back(std::move(sink));
  sinks_ = std::move(next);
}

void event_hub::publish(const event_ptr& e) {
  call_listeners(e, true);
}

void event_hub::publish_remote(const event_ptr& e) {
  call_listeners(e, false);
}

void event_hub::call_listeners(const event_ptr& e, bool sinks_too) {
  std::shared_ptr<const list> targets;
  std::shared_ptr<const std::vector<std::shared_ptr<event_sink>>> sinks;
  {
    std::lock_guard lock(mutex_);
    if (auto it = listeners_.find(key_of(e->resource)); it != listeners_.end())
      targets = it->second;
    sinks = sinks_;
  }
  published_.fetch_add(1, std::memory_order_relaxed);
  if (targets) {
    for (const auto& w : *targets) {
      auto l = w.lock();
      if (!l) continue;
      try {
        l->call(e);
      } catch (const std::exception& ex) {
        spdlog::warn("analysis: an event listener failed: {}", ex.what());
      }
    }
  }
  if (sinks_too)
    for (const auto& s : *sinks) s->deliver(e);
}

std::size_t event_hub::listeners(access::resource what) const {
  std::lock_guard lock(mutex_);
  auto it = listeners_.find(key_of(what));
  if (it == listeners_.end()) return 0;
  std::size_t n = 0;
  for (const auto& w : *it->second) n += !w.expired();
  return n;
}

}  // namespace camgate::analysis
