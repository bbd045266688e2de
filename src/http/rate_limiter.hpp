#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace camgate::httpd {

// Token buckets, one per key (a client address, a user name): each holds up to `burst`
// tokens and gains `per_second` of them continuously; a request takes one. Time is
// passed in (milliseconds of any steady clock), so tests never sleep.
//
// Memory is bounded: at most `max_keys` buckets. A new key at the bound evicts the least
// recently used bucket, and with it any buckets next in line that have refilled
// completely (forgetting those changes nothing). Thread-safe.
//
//   httpd::rate_limiter logins(0.2, 5, 10'000);  // 5 at once, then one every 5 s
//   if (auto d = logins.take(ctx.remote_ip, now_ms); !d.allowed)
//     return too_many_requests(d.retry_after_s);
class rate_limiter {
 public:
  struct decision {
    bool allowed = false;
    std::int64_t retry_after_s = 0;  // when denied: whole seconds until a token is back, >= 1
  };

  // Throws std::invalid_argument unless per_second > 0, burst >= 1 (both finite) and
  // max_keys >= 1.
  rate_limiter(double per_second, double burst, std::size_t max_keys);

  decision take(std::string_view key, std::int64_t now_ms);
  // Whether take() would allow now, without taking (check first, charge failures only).
  decision peek(std::string_view key, std::int64_t now_ms) const;

  std::size_t size() const;  // buckets held

 private:
  struct bucket {
    std::string key;
    double tokens = 0;
    std::int64_t last_ms = 0;
  };
  using lru_list = std::list<bucket>;  // least recently used first

  void refill(bucket& b, std::int64_t now_ms) const;
  void make_room(std::int64_t now_ms);

  const double per_second_;
  const double burst_;
  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  lru_list lru_;
  // Keys view the strings in `lru_`, whose nodes never move.
  std::unordered_map<std::string_view, lru_list::iterator> index_;
};

}  // namespace camgate::httpd
