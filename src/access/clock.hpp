#pragma once
#include <cstdint>

namespace camgate::access {

// Where access control reads the time: wall-clock milliseconds since the Unix epoch
// (bookings are wall-clock times). Injected, so tests move time by hand and never sleep.
struct clock {
  virtual ~clock();
  virtual std::int64_t now_ms() const = 0;
};

}  // namespace camgate::access
