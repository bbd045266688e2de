#pragma once
#include <cstdint>

namespace camgate::sources {

// At most one log line per interval: a camera that sends garbage at 30 fps must not
// flood the log. Counts what it held back so the next line can say so.
class log_throttle {
 public:
  explicit log_throttle(std::int64_t interval_us = 1'000'000) : interval_us_(interval_us) {}

  // True when a line may be written at `now_us`; `suppressed` is then set to the number
  // of lines held back since the previous one.
  bool allow(std::int64_t now_us, std::uint64_t& suppressed) {
    if (last_us_ >= 0 && now_us - last_us_ < interval_us_) {
      ++held_;
      return false;
    }
    last_us_ = now_us;
    suppressed = held_;
    held_ = 0;
    return true;
  }

 private:
  std::int64_t interval_us_;
  std::int64_t last_us_ = -1;
  std::uint64_t held_ = 0;
};

}  // namespace camgate::sources
