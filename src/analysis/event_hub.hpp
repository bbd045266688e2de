#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "analysis/event.hpp"

namespace camgate::analysis {

// Where events meet their listeners: the viewers of one camera or robot (an SSE stream,
// a WebSocket) and the sinks that take every event (the results store, webhooks, MQTT).
// publish() runs every listener on the caller's thread, outside the hub's lock; a
// listener hands the event on and returns at once. Thread-safe.
class event_hub {
 public:
  using listener = std::function<void(const event_ptr&)>;

  // Listens to `what`'s events until the returned handle is dropped.
  [[nodiscard]] std::shared_ptr<void> listen(access::resource what, listener l);
  void add_sink(std::shared_ptr<event_sink> sink);

  void publish(const event_ptr& e);
  // An event another cluster node made and published: to this node's listeners only (the
  // node that made it already stored it and handed it to its sinks).
  void publish_remote(const event_ptr& e);

  std::size_t listeners(access::resource what) const;
  std::uint64_t published() const { return published_.load(std::memory_order_relaxed); }

 private:
  using key = std::pair<int, std::int64_t>;
  struct entry {
    listener call;
  };
  using list = std::vector<std::weak_ptr<entry>>;
  static key key_of(access::resource r) { return {static_cast<int>(r.kind), r.id}; }
  void call_listeners(const event_ptr& e, bool sinks_too);

  mutable std::mutex mutex_;
  std::map<key, std::shared_ptr<const list>> listeners_;  // copy-on-write per resource
  std::shared_ptr<const std::vector<std::shared_ptr<event_sink>>> sinks_ =
      std::make_shared<const std::vector<std::shared_ptr<event_sink>>>();
  std::atomic<std::uint64_t> published_{0};
};

}  // namespace camgate::analysis
