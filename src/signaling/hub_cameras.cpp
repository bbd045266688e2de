// Cameras over WebRTC through signaling: a viewer offers to peer "camera:<id>" and the
// gateway's encoder of that camera (a camera_port) answers as that peer. The session is
// a live session of resource {camera, id}: the booking policy, the audit and the cuts
// apply as on every stream.
#include <spdlog/spdlog.h>

#include <charconv>

#include "signaling/hub_client.hpp"

namespace camgate::signaling {

std::optional<std::int64_t> hub::camera_peer(std::string_view peer) {
  constexpr std::string_view prefix = "camera:";
  if (!peer.starts_with(prefix)) return std::nullopt;
  const auto digits = peer.substr(prefix.size());
  // Canonical ids only ("camera:3", never "camera:03" or "camera:3x"): one name per camera.
  if (digits.empty() || digits.size() > 18 || digits[0] < '1' || digits[0] > '9')
    return std::nullopt;
  std::int64_t id = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
  return id;
}

void hub::set_cameras(camera_port* c) {
  std::lock_guard lock(mutex_);
  cameras_ = c;
}

json hub::handle_camera(const std::shared_ptr<client>& c, const std::string& type,
                        const std::string& to, std::int64_t camera_id, const json& body) {
  {
    std::lock_guard lock(mutex_);
    if (c->closed) return {{"type", "error"}, {"error", "connection closed"}};
    if (c->role == client_role::none) return error_locked(c, type, "register first");
    if (c->role != client_role::viewer)
      return error_locked(c, type, "robots talk to their viewers, not to cameras");
    if (!cameras_) return error_locked(c, type, "cameras over WebRTC are not available here");
    if (c->sessions.contains(to)) {
      cameras_->viewer_message(camera_id, c->peer_id, type, body);
      return {{"type", "ok"}, {"request", type}};
    }
    if (type != "offer") return error_locked(c, type, "no open session with '" + to + "'");
  }
  // An offer opens the session: ask the policy (it reads the store: not under the lock).
  const auto what = access::camera_resource(camera_id);
  access::decision d;
  try {
    d = gateway_.decide(c->who, what);
  } catch (const std::exception& e) {
    spdlog::warn("signaling: access check failed: {}", e.what());
    return error_to(c, type, "cannot check access now");
  }
  if (!d.allowed) return error_to(c, type, "not allowed to use '" + to + "': " + d.reason);
  auto binding = std::make_shared<viewer_session>(*this, c);
  binding->robot = to;
  std::uint64_t registry_id = 0;
  try {
    registry_id = gateway_.open_session(binding, c->who, what, c->remote, c->token_expires_at);
  } catch (const std::exception& e) {
    spdlog::error("signaling: cannot record a session of {} with {}: {}", c->who.name, to,
                  e.what());
    return error_to(c, type, "cannot record this session");
  }
  bool opened = false;
  {
    std::lock_guard lock(mutex_);
    if (!c->closed) {
      // A second offer for the same camera (a renegotiation) keeps the first session.
      if (!c->sessions.contains(to)) {
        c->sessions[to] = client::session{binding, registry_id, 0, {}};
        registry_id = 0;  // kept
      }
      cameras_->viewer_message(camera_id, c->peer_id, type, body);
      opened = true;
    }
  }
  if (registry_id) gateway_.close_session(registry_id, access::end_reason::viewer_closed);
  if (!opened) return {{"type", "error"}, {"error", "connection closed"}};
  return {{"type", "ok"}, {"request", type}};
}

bool hub::drop_session(const std::string& viewer, const std::string& peer,
                       const std::string& reason) {
  closed_list closed;
  {
    std::lock_guard lock(mutex_);
    auto v = viewers_.find(viewer);
    auto c = v == viewers_.end() ? nullptr : v->second.lock();
    if (!c || c->closed || !c->sessions.contains(peer)) return false;
    c->send("peer-left", {{"from", peer}, {"reason", reason}});
    end_session_locked(c, peer, "", false, closed, access::end_reason::viewer_closed);
  }
  close_sessions(closed);
  return true;
}

}  // namespace camgate::signaling
