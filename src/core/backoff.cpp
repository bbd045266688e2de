#include "core/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace camgate::core {

backoff::backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 random_source random)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      random_(std::move(random)) {
  if (!random_) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
}

std::chrono::milliseconds backoff::ceiling() const {
  // Doubling stops once past max, so the shift never overflows.
  auto c = initial_;
  for (unsigned i = 0; i < attempt_ && c < max_; ++i) c *= 2;
  return std::min(c, max_);
}

void backoff::max_out() {
  while (ceiling() < max_) ++attempt_;
}

std::chrono::milliseconds backoff::next() {
  const auto c = ceiling();
  const double r = std::clamp(random_(), 0.0, 1.0);
  const auto delay = std::chrono::milliseconds(
      std::min<std::int64_t>(c.count(), std::llround(r * static_cast<double>(c.count()))));
  if (ceiling() < max_) ++attempt_;
  return delay;
}

}  // namespace camgate::core
