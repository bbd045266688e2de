#include "camsim/stream_gate.hpp"

#include <algorithm>

namespace camgate::camsim {

stream_gate::ticket stream_gate::enqueue() {
  queue_.push_back(next_);
  return next_++;
}

bool stream_gate::try_enter(ticket t) {
  if (holder_ == t) return true;
  if (holder_ || queue_.empty() || queue_.front() != t) return false;
  queue_.pop_front();
  holder_ = t;
  return true;
}

void stream_gate::leave(ticket t) {
  if (holder_ == t) {
    holder_.reset();
    return;
  }
  queue_.erase(std::remove(queue_.begin(), queue_.end(), t), queue_.end());
}

}  // namespace camgate::camsim
