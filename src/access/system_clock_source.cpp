#include "access/system_clock_source.hpp"

#include <chrono>

namespace camgate::access {

std::int64_t system_clock_source::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace camgate::access
