#pragma once
#include <chrono>
#include <functional>

namespace camgate::core {

// Delay before the next reconnect: capped exponential backoff with full jitter, a
// uniform draw in [0, min(max, initial * 2^attempt)), so clients that drop together
// (cameras after a Wi-Fi blip, robots after a gateway restart) do not all reconnect in
// lockstep. Not thread-safe: one owner calls it.
class backoff {
 public:
  // Returns a uniform value in [0, 1); injectable so tests get fixed delays.
  using random_source = std::function<double()>;

  backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          random_source random = {});

  // The delay to wait now; each call doubles the ceiling of the next one, up to max.
  std::chrono::milliseconds next();
  // It works again (frames flow, registered): the next failure starts from `initial`.
  void reset() { attempt_ = 0; }
  // A failure that will not fix itself soon (a refused credential): from now on the
  // ceiling is `max`.
  void max_out();

  unsigned attempt() const { return attempt_; }
  std::chrono::milliseconds ceiling() const;  // upper bound of the next delay

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  random_source random_;
  unsigned attempt_ = 0;
};

}  // namespace camgate::core
