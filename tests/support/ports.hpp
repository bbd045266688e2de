#pragma once
#include <cstdint>

namespace camgate::testing {

// A 127.0.0.1 port that was free a moment ago (bound, then closed): for a server the
// test must name before it starts, or a port where nothing listens. Throws if none.
std::uint16_t unused_port();

}  // namespace camgate::testing
