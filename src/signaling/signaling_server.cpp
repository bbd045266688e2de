#include "signaling/signaling_server.hpp"

namespace camgate::signaling {
namespace {

hub_options hub_options_from(const core::config& cfg) {
  hub_options o;
  o.messages_per_second = cfg.signaling.messages_per_second;
  o.message_burst = std::max(1.0, cfg.signaling.message_burst);
  o.connections_per_user = static_cast<std::size_t>(cfg.signaling.connections_per_user);
  o.max_connections = static_cast<std::size_t>(cfg.signaling.max_connections);
  return o;
}

}  // namespace

signaling_server::signaling_server(const core::config& cfg, store::robot_repository& robots,
                                   const access::policy& policy, access::session_registry& live,
                                   const access::clock& clock, httpd::authenticator authenticate,
                                   asio::io_context* home)
    : authenticate_(std::move(authenticate)),
      port_(robots, policy, live, clock),
      hub_(port_, hub_options_from(cfg)),
      engineio_(hub_, [&] {
        engineio_options o;
        o.ping_interval = std::chrono::milliseconds(cfg.signaling.ping_interval_ms);
        o.ping_timeout = std::chrono::milliseconds(cfg.signaling.ping_timeout_ms);
        o.max_message_bytes = static_cast<std::size_t>(cfg.signaling.max_message_bytes);
        o.max_sessions = static_cast<std::size_t>(cfg.signaling.max_connections);
        o.pending_per_address = static_cast<std::size_t>(cfg.signaling.pending_per_address);
        o.max_pending = static_cast<std::size_t>(cfg.signaling.max_pending_connections);
        o.connect_timeout = std::chrono::milliseconds(cfg.signaling.connect_timeout_ms);
        o.home = home;
        // A token from the CONNECT payload or ?token=: checked as a bearer token, so
        // whatever the router accepts (our JWTs, the external issuer's) works here too.
        o.verify_token = [this](std::string_view token) -> httpd::auth_outcome {
          httpd::request req;
          req.set(http::field::authorization, "Bearer " + std::string(token));
          httpd::request_context ctx{req, "/socket.io/", {}, {}, {}, std::nullopt};
          return authenticate_ ? authenticate_(ctx)
                               : httpd::auth_outcome(std::string("authentication is not set up"));
        };
        return o;
      }()) {
  plain_.channel.max_message_bytes = static_cast<std::size_t>(cfg.signaling.max_message_bytes);
  plain_.channel.idle_timeout = std::chrono::milliseconds(cfg.signaling.ping_interval_ms * 2);
  ice_.stun_urls = cfg.webrtc.stun_urls;
  ice_.turn_urls = cfg.webrtc.turn_urls;
  ice_.turn_secret = cfg.webrtc.turn_secret;
  ice_.turn_ttl_s = cfg.webrtc.turn_ttl_s;
}

void signaling_server::stop() {
  hub_.close_all();
  engineio_.close_all();
}

}  // namespace camgate::signaling
