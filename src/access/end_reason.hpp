#pragma once
// access speaks of end reasons as its own: they are core's (core/end_reason.hpp).
#include "core/end_reason.hpp"

namespace camgate::access {

using core::end_reason;
using core::end_reason_count;
using core::to_string;
using core::websocket_close_code;

}  // namespace camgate::access
