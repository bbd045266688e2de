#pragma once
#include <cstdint>
#include <deque>

namespace camgate::sources {

// Events per second over a sliding window of arrival times (steady µs). Decays to 0
// when events stop, so a frozen camera does not keep showing its old frame rate.
class rate_meter {
 public:
  explicit rate_meter(std::int64_t window_us = 2'000'000) : window_us_(window_us) {}

  void add(std::int64_t now_us);
  double rate(std::int64_t now_us) const;
  void clear() { times_.clear(); }

 private:
  std::int64_t window_us_;
  std::deque<std::int64_t> times_;
};

}  // namespace camgate::sources
