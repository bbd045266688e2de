#pragma once
#include "api/services.hpp"
#include "http/router.hpp"

namespace camgate::api {

// Registers every endpoint of the gateway on `r`.
void register_routes(httpd::router& r, services& s);

void register_auth_routes(httpd::router& r, services& s);
void register_seed_routes(httpd::router& r, services& s);
void register_camera_routes(httpd::router& r, services& s);
void register_system_routes(httpd::router& r, services& s);
void register_booking_routes(httpd::router& r, services& s);
void register_robot_routes(httpd::router& r, services& s);
void register_user_routes(httpd::router& r, services& s);
void register_signaling_routes(httpd::router& r, services& s);
void register_recording_routes(httpd::router& r, services& s);
void register_analysis_routes(httpd::router& r, services& s);
// A camera's or robot's recording state, policy and start/stop: needs the recorder.
void register_recording_control(httpd::router& r, services& s);

}  // namespace camgate::api
