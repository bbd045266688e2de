#pragma once
#include "api/services.hpp"
#include "http/router.hpp"

namespace camgate::api {

// A robot's pictures like a camera's: GET /api/robots/{id}/snapshot, /stream (MJPEG), /ws,
// POST /api/robots/{id}/analyze. They come from the robot's one relayed stream, decoded
// only while someone reads them; the robot needs [robots] media = "relay" (else 409).
void register_robot_reads(httpd::router& r, services& s);

}  // namespace camgate::api
