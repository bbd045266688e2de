#pragma once
#include "doctor/camera_checks.hpp"
#include "doctor/gateway_checks.hpp"
#include "doctor/report.hpp"

namespace camgate::doctor {

// Run a diagnosis on a private io_context, to the end. An unexpected exception ends the
// report with a failed "internal" line instead of escaping.
report run_camera(camera_options o);
report run_gateway(gateway_options o);

}  // namespace camgate::doctor
