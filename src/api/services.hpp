#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "access/access_sync.hpp"
#include "access/policy.hpp"
#include "access/session_registry.hpp"
#include "api/request_limits.hpp"
#include "auth/refresh_service.hpp"
#include "auth/ticket_service.hpp"
#include "auth/token_service.hpp"
#include "cameras/camera_admission.hpp"
#include "cameras/camera_registry.hpp"
#include "core/asio.hpp"
#include "core/config.hpp"
#include "store/audit_repository.hpp"
#include "store/booking_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/robot_repository.hpp"
#include "store/selection_repository.hpp"
#include "store/user_repository.hpp"

namespace camgate::signaling {
class signaling_server;
}  // namespace camgate::signaling
namespace camgate::analysis {
class event_hub;
class service;
}  // namespace camgate::analysis
namespace camgate::recording {
class service;
}  // namespace camgate::recording
namespace camgate::store {
class analysis_repository;
class recording_repository;
struct recording_row;
}  // namespace camgate::store
namespace camgate::webrtc {
class whep_sessions;
class robot_relays;
}  // namespace camgate::webrtc

namespace camgate::api {

// A robot's live state as signaling sees it.
struct robot_presence {
  bool online = false;
  int viewers = 0;
  std::string node;  // cluster: the node it is connected to, when not this one
};

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
  store::robot_repository& robots;
  // The one access policy (bookings) and every live stream's deadline.
  const access::policy& policy;
  access::session_registry& live;
  // CPU-heavy work (password hashing, JPEG decoding) runs here, off the I/O threads.
  asio::thread_pool& blocking;
  // Stream tickets (POST /auth/stream-ticket) and the per-client caps; set by the app.
  const auth::ticket_service* tickets = nullptr;
  const request_limits* limits = nullptr;
  // Rotating refresh tokens (POST /auth/refresh, sessions); set by the app. Null: login
  // hands out none.
  auth::refresh_service* refresh = nullptr;
  // Refreshes the access index and every live deadline; every write of users, robots or
  // bookings calls it (api::access_changed). Set by the app.
  access::access_sync* sync = nullptr;
  // In a cluster: tells the other nodes after such a write (they reload their index).
  // Unset: a single node.
  std::function<void()> publish_change;
  // In a cluster: this node's part for /health ({"node_id", "role", "redis", "leases"})
  // and its lines for /metrics. Unset: a single node.
  std::function<nlohmann::json()> cluster_status;
  std::function<std::string()> cluster_metrics;
  // Whether robot `name` is connected to signaling, and with how many viewers.
  std::function<robot_presence(std::string_view name)> presence_of;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // WebRTC signaling (/socket.io/, /signaling, /api/webrtc/ice-servers); set by the app.
  signaling::signaling_server* signaling = nullptr;
  // Cameras over WebRTC (WHEP); null when the build has no GStreamer. Set by the app.
  webrtc::whep_sessions* webrtc = nullptr;
  // Robots' media through the gateway ([robots] media = "relay"); null in "p2p" mode or
  // without GStreamer. Set by the app.
  webrtc::robot_relays* relays = nullptr;
  // Who may add which camera address (api/camera_intake); set by the app.
  const cameras::camera_admission* admission = nullptr;
  // Recordings (api/recording_routes): the table always; the recorder only in a build
  // with GStreamer. Set by the app.
  store::recording_repository* recording_rows = nullptr;
  recording::service* recordings = nullptr;
  // Files of recordings (clips, fetches from cloud storage, starting and stopping a
  // recording) take seconds to minutes: their own threads, so logins never wait on them.
  // Set by the app; null: `blocking`.
  asio::thread_pool* recording_work = nullptr;
  // Tickets for a recording's media and download (?ticket=), which a player keeps using
  // for as long as it plays: an hour, never past the token. Set by the app.
  const auth::ticket_service* playback_tickets = nullptr;
  // Brings an offloaded recording's file back (the offload hook's fetch); false and why
  // when it cannot. Runs on the blocking pool. Unset: an offloaded file that is gone
  // cannot be played.
  std::function<bool(const store::recording_row&, std::string& why)> fetch_recording;
  // Analysis (api/analysis_routes): events of every camera and robot (SSE, WebSocket),
  // and the continuous analysis with its profiles and external analyzers. Set by the app.
  analysis::event_hub* events = nullptr;
  analysis::service* analysis = nullptr;
  // Stored analysis events (the history). Set by the app.
  store::analysis_repository* analysis_rows = nullptr;
};

}  // namespace camgate::api
