#include "hub/latest_frame_slot.hpp"

#include <utility>

namespace camgate::hub {

bool latest_frame_slot::offer(core::frame_ptr f) {
  core::frame_ptr dropped;  // released outside the lock
  std::lock_guard lock(mutex_);
  if (pending_) skipped_.fetch_add(1, std::memory_order_relaxed);
  dropped = std::exchange(pending_, std::move(f));
  if (busy_) return false;
  busy_ = true;
  return true;
}

core::frame_ptr latest_frame_slot::take() {
  std::lock_guard lock(mutex_);
  if (!pending_) busy_ = false;
  return std::exchange(pending_, nullptr);
}

}  // namespace camgate::hub
