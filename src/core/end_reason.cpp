#include "core/end_reason.hpp"

namespace camgate::core {

std::string_view to_string(end_reason r) {
  switch (r) {
    case end_reason::viewer_closed:
      return "closed by viewer";
    case end_reason::booking_ended:
      return "booking ended";
    case end_reason::token_expired:
      return "token expired";
    case end_reason::camera_removed:
      return "camera removed";
    case end_reason::gateway_stopping:
      return "gateway stopping";
    case end_reason::replaced:
      return "replaced";
    case end_reason::robot_removed:
      return "robot removed";
    case end_reason::user_removed:
      return "user removed";
    case end_reason::token_revoked:
      return "token revoked";
  }
  return "closed by viewer";
}

int websocket_close_code(end_reason r) {
  switch (r) {
    case end_reason::booking_ended:
      return 4001;
    case end_reason::token_expired:
      return 4002;
    case end_reason::camera_removed:
    case end_reason::robot_removed:
      return 4004;
    case end_reason::user_removed:
      return 4005;
    case end_reason::token_revoked:
      return 4006;
    case end_reason::gateway_stopping:
      return 1001;
    case end_reason::viewer_closed:
    case end_reason::replaced:
      return 1000;
  }
  return 1000;
}

}  // namespace camgate::core
