#pragma once
#include <atomic>
#include <cstdint>

#include "access/clock.hpp"

namespace camgate::access {

// A clock that moves only when told to, for tests. Safe to read from any thread.
class manual_clock final : public clock {
 public:
  explicit manual_clock(std::int64_t now_ms = 0) : now_ms_(now_ms) {}

  std::int64_t now_ms() const override { return now_ms_.load(); }
  void set(std::int64_t now_ms) { now_ms_.store(now_ms); }
  void set_seconds(std::int64_t now_s) { now_ms_.store(now_s * 1000); }
  void advance(std::int64_t ms) { now_ms_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace camgate::access
