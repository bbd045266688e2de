#pragma once
#include <chrono>

#include "access/policy.hpp"
#include "access/session_registry.hpp"
#include "auth/token_service.hpp"
#include "cameras/camera_registry.hpp"
#include "core/asio.hpp"
#include "core/config.hpp"
#include "store/audit_repository.hpp"
#include "store/booking_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/selection_repository.hpp"
#include "store/user_repository.hpp"

namespace camgate::api {

// What the route handlers work with; built once by the app (composition root).
struct services {
  const core::config& config;
  store::user_repository& users;
  store::camera_repository& camera_records;
  store::selection_repository& selections;
  auth::token_service& tokens;
  cameras::camera_registry& cameras;
  store::booking_repository& bookings;
  store::audit_repository& audit;
  // The one access policy (bookings) and every live stream's deadline.
  const access::policy& policy;
  access::session_registry& live;
  // CPU-heavy work (password hashing, JPEG decoding) runs here, off the I/O threads.
  asio::thread_pool& blocking;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

}  // namespace camgate::api
