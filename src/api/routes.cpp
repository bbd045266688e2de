#include "api/routes.hpp"

namespace camgate::api {

void register_routes(httpd::router& r, services& s) {
  register_system_routes(r, s);
  register_auth_routes(r, s);
  register_seed_routes(r, s);
  register_camera_routes(r, s);
  register_booking_routes(r, s);
  register_robot_routes(r, s);
  register_user_routes(r, s);
  register_signaling_routes(r, s);
  register_recording_routes(r, s);
  register_analysis_routes(r, s);
#ifdef CAMGATE_WITH_RECORDING
  register_recording_control(r, s);
#endif
}

}  // namespace camgate::api
