#pragma once
#include <chrono>
#include <functional>

namespace camgate::sources {

// Delay before the next reconnect: capped exponential backoff with full jitter, a
// uniform draw in [0, min(max, initial * 2^attempt)), so cameras that drop together
// (a Wi-Fi blip) do not all reconnect in lockstep.
class backoff {
 public:
  // Returns a uniform value in [0, 1); injectable so tests get fixed delays.
  using random_source = std::function<double()>;

  backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          random_source random = {});

  // The delay to wait now; each call doubles the ceiling of the next one, up to max.
  std::chrono::milliseconds next();
  // Frames flow again: the next failure starts from `initial` once more.
  void reset() { attempt_ = 0; }

  unsigned attempt() const { return attempt_; }
  std::chrono::milliseconds ceiling() const;  // upper bound of the next delay

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  random_source random_;
  unsigned attempt_ = 0;
};

}  // namespace camgate::sources
