#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>

#include "core/frame.hpp"

namespace camgate::hub {

// The µStreamer rule for one viewer: at most one frame being written and one pending.
// A newer frame replaces the pending one (counted as skipped), so a slow viewer skips
// frames instead of queueing them and its memory does not grow.
//
//   if (slot.offer(f)) post(strand, pump);          // publisher side
//   pump: while-style  f = slot.take(); if (f) write(f, then pump);   // consumer side
class latest_frame_slot {
 public:
  // Stores `f` as the pending frame. Returns true when the consumer was idle and must
  // be woken (post a pump); false when a pump is already running.
  bool offer(core::frame_ptr f);

  // The next frame to write, or nullptr, in which case the consumer is idle again and
  // the next offer() returns true.
  core::frame_ptr take();

  std::uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }

 private:
  std::mutex mutex_;
  core::frame_ptr pending_;
  bool busy_ = false;
  std::atomic<std::uint64_t> skipped_{0};
};

}  // namespace camgate::hub
