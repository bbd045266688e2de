// The relay's fast path through the hub: a relayed message scanned, not parsed
// (relay_scan.hpp), forwarded as sent between two peers with an open session.
#include <spdlog/spdlog.h>

#include "signaling/hub.hpp"
#include "signaling/hub_client.hpp"
#include "signaling/packet_codec.hpp"

namespace camgate::signaling {

void peer_link::send_relayed(std::string_view type, std::string_view from, std::string_view field,
                             std::string_view body) {
  auto payload = parse_client_json(body);
  if (!payload) return;  // relay_scan checked it: cannot happen
  send(type, {{"from", std::string(from)}, {std::string(field), std::move(*payload)}});
}

std::optional<json> hub::relay(const std::shared_ptr<client>& c, std::string_view type,
                               std::string_view to, std::string_view body) {
  const char* field = payload_field(type);
  if (!field) return receive(c, json::object());  // not a relayed type: never from relay_scan
  {
    std::lock_guard lock(mutex_);
    if (auto answer = admit_locked(c, type)) return answer;
    // Peer to peer with an open session: the body as sent (handle_relay's common case).
    if (!camera_peer(to)) {
      if (c->role == client_role::robot && !(relay_ && to == relay_peer)) {
        auto v = c->viewers.find(to);
        auto viewer = v == c->viewers.end() ? nullptr : v->second.lock();
        if (viewer && !viewer->closed) {
          viewer->send_relayed(type, c->peer_id, field, body);
          return std::nullopt;
        }
        if (cluster_ && !viewer) {  // a viewer on another node: the bytes as sent
          auto rv = c->remote_viewers.find(to);
          if (rv != c->remote_viewers.end()) {
            cluster_->send(rv->second, {cluster_message::target::viewer, c->peer_id,
                                        std::string(to), std::string(type), std::string(body)});
            return std::nullopt;
          }
        }
      } else if (c->role == client_role::viewer && (!relay_ || cluster_)) {
        // With the media relay, only a robot on another node: its node's relay takes it.
        auto s = c->sessions.find(to);
        if (s != c->sessions.end() && s->second.node.empty() && !relay_) {
          auto r = robots_.find(std::string(to));
          if (r != robots_.end()) {
            r->second.owner->send_relayed(type, c->peer_id, field, body);
            return std::nullopt;
          }
        } else if (s != c->sessions.end() && !s->second.node.empty() && cluster_) {
          // The robot is on another node: the bytes as sent.
          cluster_->send(s->second.node, {cluster_message::target::robot, std::string(to),
                                          c->peer_id, std::string(type), std::string(body)});
          return std::nullopt;
        }
      }
    }
  }
  // Anything else (errors, the offer that opens a session, cameras, the media relay):
  // as a parsed message, its token already taken.
  auto payload = parse_client_json(body);
  const std::string t(type);
  if (!payload) return error_to(c, t, "malformed JSON");
  json m = {{"type", t}, {"to", std::string(to)}, {field, std::move(*payload)}};
  try {
    auto answer = handle_relay(c, t, m);
    if (answer.value("type", "") == "ok") return std::nullopt;
    return answer;
  } catch (const std::exception& e) {
    spdlog::error("signaling: {} from {} failed: {}", t, c->who.name, e.what());
    return error_to(c, t, "internal error");
  }
}

}  // namespace camgate::signaling
