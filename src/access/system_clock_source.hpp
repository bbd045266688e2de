#pragma once
#include <cstdint>

#include "access/clock.hpp"

namespace camgate::access {

// The real wall clock (std::chrono::system_clock).
struct system_clock_source final : clock {
  std::int64_t now_ms() const override;
};

}  // namespace camgate::access
