#pragma once
#include <chrono>
#include <cstdint>

namespace camgate::core {

// Wall-clock microseconds since the Unix epoch: the unit of every frame timestamp,
// so a camera, the gateway and a viewer on one host can compare them.
inline std::int64_t unix_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

inline std::int64_t unix_seconds() {
  return unix_micros() / 1'000'000;
}

inline std::int64_t steady_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace camgate::core
