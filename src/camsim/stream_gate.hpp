#pragma once
#include <cstdint>
#include <deque>
#include <optional>

namespace camgate::camsim {

// The firmware's stream server runs one handler at a time: one client streams, and
// later connections are accepted but wait, unanswered, in arrival order until it ends.
// Not thread-safe (the server's io_context thread only).
class stream_gate {
 public:
  using ticket = std::uint64_t;

  // Joins the queue.
  ticket enqueue();
  // Lets `t` stream when it is first in line and nobody streams; true when it does.
  bool try_enter(ticket t);
  // Ends `t`'s stream or takes it out of the queue; the next in line may then enter.
  void leave(ticket t);

  bool busy() const { return holder_.has_value(); }
  std::size_t waiting() const { return queue_.size(); }

 private:
  std::deque<ticket> queue_;
  std::optional<ticket> holder_;
  ticket next_ = 1;
};

}  // namespace camgate::camsim
