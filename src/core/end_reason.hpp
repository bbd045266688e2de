#pragma once
#include <string_view>

namespace camgate::core {

// Why a live stream ended; written to the audit log and told to the viewer. In core
// because every layer that ends a stream speaks it: the hub (camera removed, gateway
// stopping), the outputs, access (deadlines) and signaling.
enum class end_reason {
  viewer_closed,
  booking_ended,
  token_expired,
  camera_removed,
  gateway_stopping,
  replaced,
  robot_removed,
  user_removed,   // the viewer's account was deleted
  token_revoked,  // logout, or a role or password change, revoked the viewer's token
};

inline constexpr int end_reason_count = 9;

// "closed by viewer", "booking ended", "token expired", "camera removed",
// "gateway stopping", "replaced", "robot removed", "user removed", "token revoked".
std::string_view to_string(end_reason r);

// The close code a WebSocket stream ends with: 4001 booking ended, 4002 token expired,
// 4004 camera or robot removed, 4005 user removed, 4006 token revoked (application codes
// a page can act on), 1001 gateway stopping
// ("going away"), 1000 otherwise.
int websocket_close_code(end_reason r);

}  // namespace camgate::core
