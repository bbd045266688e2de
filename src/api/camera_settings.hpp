#pragma once
#include "api/camera_reads.hpp"
#include "api/services.hpp"
#include "http/router.hpp"

namespace camgate::api {

// GET and PATCH /api/cameras/{id}/settings: the stock firmware's sensor settings
// (/status, /control), read by anyone who may watch the camera, changed by admins.
void register_camera_settings(httpd::router& r, services& s, const camera_resolver& resolve);

}  // namespace camgate::api
