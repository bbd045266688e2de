#include "http/rate_limiter.hpp"

#include <cmath>
#include <stdexcept>

namespace camgate::httpd {
namespace {

// Refill arithmetic in doubles leaves crumbs like 0.9999999999; a crumb this small is
// a whole token.
constexpr double kEpsilon = 1e-9;

}  // namespace

rate_limiter::rate_limiter(double per_second, double burst, std::size_t max_keys)
    : per_second_(per_second), burst_(burst), max_keys_(max_keys) {
  if (!std::isfinite(per_second) || per_second <= 0) {
    throw std::invalid_argument("rate limit: per_second must be a positive number, got " +
                                std::to_string(per_second));
  }
  if (!std::isfinite(burst) || burst < 1) {
    throw std::invalid_argument("rate limit: burst must be at least 1, got " +
                                std::to_string(burst));
  }
  if (max_keys == 0) throw std::invalid_argument("rate limit: max_keys must be at least 1");
}

void rate_limiter::refill(bucket& b, std::int64_t now_ms) const {
  // A clock that steps back gives nothing and takes nothing.
  if (now_ms > b.last_ms) {
    const double elapsed_s = static_cast<double>(now_ms - b.last_ms) / 1000.0;
    b.tokens = std::min(burst_, b.tokens + elapsed_s * per_second_);
    b.last_ms = now_ms;
  }
}

void rate_limiter::make_room(std::int64_t now_ms) {
  if (index_.size() < max_keys_) return;
  // The least recently used bucket goes, whatever it holds (the price of a bound: its
  // client starts afresh), and with it every full one behind it: forgetting a full
  // bucket changes nothing. Each key is dropped once, so this is O(1) on average.
  do {
    index_.erase(lru_.front().key);
    lru_.pop_front();
    if (lru_.empty()) break;
    refill(lru_.front(), now_ms);
  } while (lru_.front().tokens + kEpsilon >= burst_);
}

rate_limiter::decision rate_limiter::take(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  lru_list::iterator b;
  if (it == index_.end()) {
    make_room(now_ms);
    lru_.push_back(bucket{std::string(key), burst_, now_ms});
    b = std::prev(lru_.end());
    index_.emplace(b->key, b);
  } else {
    b = it->second;
    lru_.splice(lru_.end(), lru_, b);  // now the most recently used; iterators stay valid
    refill(*b, now_ms);
  }

  if (b->tokens + kEpsilon >= 1.0) {
    b->tokens = std::max(0.0, b->tokens - 1.0);
    return {true, 0};
  }
  const double wait_s = (1.0 - b->tokens) / per_second_;
  const auto retry = static_cast<std::int64_t>(std::ceil(wait_s - kEpsilon));
  return {false, std::max<std::int64_t>(1, retry)};
}

rate_limiter::decision rate_limiter::peek(std::string_view key, std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return {true, 0};
  bucket b = *it->second;
  refill(b, now_ms);
  if (b.tokens + kEpsilon >= 1.0) return {true, 0};
  const double wait_s = (1.0 - b.tokens) / per_second_;
  const auto retry = static_cast<std::int64_t>(std::ceil(wait_s - kEpsilon));
  return {false, std::max<std::int64_t>(1, retry)};
}

std::size_t rate_limiter::size() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

}  // namespace camgate::httpd
