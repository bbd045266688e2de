#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "core/asio.hpp"
#include "doctor/report.hpp"
#include "doctor/targets.hpp"

namespace camgate::doctor {

// GET /api/webrtc/ice-servers with `token` (skipped without one), then one line per
// STUN/TURN URL: reachable over its transport or not.
asio::awaitable<void> ice_checks(report& r, const gateway_target& t,
                                 const std::optional<std::string>& token,
                                 std::chrono::milliseconds timeout, ssl::context* tls);

}  // namespace camgate::doctor
