#pragma once
// Everything signaling, built once by the app: the hub over the real store, policy and
// session registry, the Socket.IO server, the plain WebSocket options, the ICE servers.
//
//   signaling::signaling_server sig(cfg, robots, policy, live, clock, authenticate);
//   services.signaling = &sig;        // routes: /socket.io/, /signaling, /api/webrtc/...
//   ...
//   sig.stop();                        // on shutdown: every client is closed
#include <memory>

#include "access/clock.hpp"
#include "access/policy.hpp"
#include "access/session_registry.hpp"
#include "core/asio.hpp"
#include "core/config.hpp"
#include "signaling/engineio_server.hpp"
#include "signaling/gateway_port.hpp"
#include "signaling/hub.hpp"
#include "signaling/ice_servers.hpp"
#include "signaling/plain_session.hpp"
#include "store/robot_repository.hpp"

namespace camgate::signaling {

class signaling_server {
 public:
  signaling_server(const core::config& cfg, store::robot_repository& robots,
                   const access::policy& policy, access::session_registry& live,
                   const access::clock& clock, httpd::authenticator authenticate,
                   asio::io_context* home = nullptr);  // engineio_options::home

  signaling::hub& hub() { return hub_; }
  engineio_server& socketio() { return engineio_; }
  const plain_options& plain() const { return plain_; }
  const ice_config& ice() const { return ice_; }
  // The router's authenticator (header, access_token, cookie), for the Socket.IO
  // handshake, which is open: its CONNECT may bring the token instead.
  httpd::auth_outcome authenticate(const httpd::request_context& ctx) const {
    return authenticate_(ctx);
  }

  // For GET /api/robots: is robot `name` connected, and how many viewers it serves.
  // Thread-safe.
  robot_state robot_state_of(std::string_view name) const { return hub_.state_of(name); }

  // Closes every signaling connection (gateway stopping).
  void stop();

 private:
  httpd::authenticator authenticate_;
  registry_port port_;
  signaling::hub hub_;
  engineio_server engineio_;
  plain_options plain_;
  ice_config ice_;
};

}  // namespace camgate::signaling
