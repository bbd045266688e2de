#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/frame.hpp"
#include "hub/subscriber.hpp"

namespace camgate::hub {

// One camera's meeting point: the source publishes, viewers subscribe. Keeps the
// latest frame for snapshots and fans each new frame out to every subscriber.
class channel {
 public:
  using waiter = std::function<void(core::frame_ptr)>;

  explicit channel(std::string camera_id);
  ~channel();
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  const std::string& camera_id() const { return camera_id_; }

  // Source side: makes `f` the latest frame and hands it to every subscriber.
  void publish(core::frame_ptr f);

  core::frame_ptr latest() const;

  // Calls `w` once with the next published frame, or with nullptr when the channel
  // ends. Used by snapshots that want a fresh frame.
  void on_next_frame(waiter w);

  void subscribe(const std::shared_ptr<subscriber>& s);
  void unsubscribe(const subscriber* s);
  std::size_t viewers() const;

  // Ends every subscriber (and waiter) for `why`; later subscribers end at once.
  void end(core::end_reason why);
  bool ended() const { return ended_.load(); }

  // Counters the outputs feed, for /metrics.
  void count_bytes_out(std::uint64_t n) { bytes_out_.fetch_add(n, std::memory_order_relaxed); }
  void count_skipped(std::uint64_t n) { skipped_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t bytes_out() const { return bytes_out_.load(std::memory_order_relaxed); }
  std::uint64_t frames_skipped() const { return skipped_.load(std::memory_order_relaxed); }
  std::uint64_t frames_published() const { return published_.load(std::memory_order_relaxed); }

 private:
  struct entry {
    std::weak_ptr<subscriber> who;
    asio::io_context* home;  // subscriber::home(), asked once
    std::uint64_t order;     // arrival, to keep it within a thread
  };
  // Sorted by home, so the subscribers of one thread are one run for publish().
  using list = std::vector<entry>;

  // The snapshot of members_ that publish() fans out to, rebuilt when it changed.
  const std::shared_ptr<const list>& snapshot_locked();

  std::string camera_id_;
  mutable std::mutex mutex_;
  core::frame_ptr latest_;
  // Who is subscribed, by address: subscribe and unsubscribe cost O(1), so a booking end
  // that cuts a thousand viewers at once does not copy the list a thousand times.
  std::unordered_map<const subscriber*, entry> members_;
  std::uint64_t arrivals_ = 0;
  bool changed_ = false;  // members_ differs from subscribers_
  // Copy-on-write: publish() takes a reference under the lock and fans out without it.
  std::shared_ptr<const list> subscribers_ = std::make_shared<const list>();
  std::vector<waiter> waiters_;
  std::atomic<bool> ended_{false};
  core::end_reason end_reason_ = core::end_reason::gateway_stopping;  // once ended_
  std::atomic<std::uint64_t> bytes_out_{0};
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> published_{0};
};

}  // namespace camgate::hub
