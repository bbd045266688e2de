#include "sources/rate_meter.hpp"

#include <algorithm>

namespace camgate::sources {

void rate_meter::add(std::int64_t now_us) {
  times_.push_back(now_us);
  while (!times_.empty() && times_.front() < now_us - window_us_) times_.pop_front();
}

double rate_meter::rate(std::int64_t now_us) const {
  const auto first = std::lower_bound(times_.begin(), times_.end(), now_us - window_us_);
  const auto n = times_.end() - first;
  if (n < 2) return 0.0;
  // n events are n-1 intervals; measuring up to now (not the last event) makes it decay.
  const auto span_us = std::max<std::int64_t>(now_us - *first, 1);
  return static_cast<double>(n - 1) * 1e6 / static_cast<double>(span_us);
}

}  // namespace camgate::sources
