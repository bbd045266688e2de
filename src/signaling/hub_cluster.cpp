// The hub in a cluster (cluster/signal_bus): robots connected to other nodes and the
// messages between them and this node's viewers. Only reached with a cluster port set;
// hub.cpp's remote branches come after a local lookup failed.
#include "signaling/hub.hpp"
#include "signaling/hub_client.hpp"
#include "signaling/packet_codec.hpp"

namespace camgate::signaling {

void hub::set_cluster(cluster_port* c, std::string node_id) {
  std::lock_guard lock(mutex_);
  cluster_ = c;
  if (c) peer_suffix_ = "@" + node_id;
}

void hub::remote_robot_online(const std::string& robot, const std::string& node,
                              std::int64_t robot_id) {
  std::string moved_from;
  {
    std::lock_guard lock(mutex_);
    if (robots_.contains(robot)) return;  // connected here: this node's entry wins
    auto it = remote_robots_.find(robot);
    if (it != remote_robots_.end()) {
      if (it->second.node == node && it->second.robot_id == robot_id) return;
      moved_from = it->second.node;
    } else {
      remote_robots_[robot] = remote_robot{node, robot_id};
    }
  }
  // Reconnected to another node: as a robot replaced on one node, its sessions end and
  // its viewers see robot-offline, then robot-online.
  if (!moved_from.empty()) {
    remote_robot_offline(robot, moved_from);
    std::lock_guard lock(mutex_);
    if (robots_.contains(robot)) return;
    remote_robots_[robot] = remote_robot{node, robot_id};
  }
  // Presence: the viewers here allowed to see it (the policy reads the store: no lock).
  auto allowed = viewers_allowed(robot_id);
  std::lock_guard lock(mutex_);
  auto it = remote_robots_.find(robot);
  if (it != remote_robots_.end() && it->second.node == node)
    broadcast_presence_locked(robot, true, allowed);
}

void hub::remote_robot_offline(const std::string& robot, const std::string& node) {
  closed_list closed;
  {
    std::lock_guard lock(mutex_);
    auto it = remote_robots_.find(robot);
    // Not the robot's current node (it reconnected here or elsewhere): only the sessions
    // still held with that node end, and their viewers hear it (peer-left).
    const bool current = it != remote_robots_.end() && it->second.node == node;
    if (current) remote_robots_.erase(it);
    // As for a robot of this node leaving: its sessions end, its viewers hear it is offline.
    for (auto& [ptr, weak] : clients_) {
      auto v = weak.lock();
      if (!v || v->role != client_role::viewer) continue;
      auto s = v->sessions.find(robot);
      if (s != v->sessions.end() && s->second.node == node) {
        closed.emplace_back(s->second.registry_id, access::end_reason::viewer_closed);
        v->sessions.erase(s);
        if (!current) v->send("peer-left", {{"from", robot}, {"reason", "disconnected"}});
      }
      if (current && v->announced.erase(robot)) v->send("robot-offline", {{"robotId", robot}});
    }
  }
  close_sessions(closed);
}

void hub::remote_node_gone(const std::string& node) {
  std::lock_guard lock(mutex_);
  for (auto& [name, r] : robots_) {
    auto& remote = r.owner->remote_viewers;
    for (auto it = remote.begin(); it != remote.end();) {
      if (it->second != node) {
        ++it;
        continue;
      }
      // The relay drops the viewer's peer (its upstream lingers if it was the last);
      // without one the robot hears of it, as of a viewer that disconnected here.
      if (relay_)
        relay_->viewer_left(name, it->first);
      else
        r.owner->send("peer-left", {{"from", it->first}, {"reason", "disconnected"}});
      it = remote.erase(it);
    }
  }
}

bool hub::to_remote_viewer_locked(const std::string& viewer, const std::string& robot,
                                  std::string_view type, const json& payload) {
  auto r = robots_.find(robot);
  if (r == robots_.end()) return false;
  auto rv = r->second.owner->remote_viewers.find(viewer);
  if (rv == r->second.owner->remote_viewers.end()) return false;
  cluster_->send(rv->second, {cluster_message::target::viewer, robot, viewer, std::string(type),
                              payload.dump()});
  return true;
}

void hub::from_cluster(const std::string& from_node, const cluster_message& m) {
  closed_list closed;
  {
    std::lock_guard lock(mutex_);
    if (m.to == cluster_message::target::robot) {
      auto r = robots_.find(m.robot);
      if (r == robots_.end() || r->second.owner->closed) return;
      auto& robot = r->second.owner;
      if (m.type == "peer-left") {
        // The robot hears of its viewers only without a relay (it sees one viewer, the
        // relay, whose upstream lingers after its last viewer as on one node).
        if (robot->remote_viewers.erase(m.viewer)) {
          if (relay_)
            relay_->viewer_left(m.robot, m.viewer);
          else
            robot->send("peer-left", {{"from", m.viewer}, {"reason", m.body}});
        }
        return;
      }
      const char* field = payload_field(m.type);
      if (!field || m.viewer.empty() || m.viewer.size() > kMaxPeerId) return;
      if (relay_) {
        relay_from_cluster_locked(from_node, robot, m);
        return;
      }
      // The viewer's node checked its access and holds its session.
      robot->remote_viewers[m.viewer] = from_node;
      robot->send_relayed(m.type, m.viewer, field, m.body);
      return;
    }
    auto v = viewers_.find(m.viewer);
    auto c = v == viewers_.end() ? nullptr : v->second.lock();
    if (!c || c->closed) return;
    auto s = c->sessions.find(m.robot);
    if (s == c->sessions.end() || s->second.node != from_node) return;
    if (m.type == "peer-left") {
      c->send("peer-left", {{"from", m.robot}, {"reason", m.body}});
      s->second.node.clear();  // the robot's node knows already
      end_session_locked(c, m.robot, "", false, closed, access::end_reason::viewer_closed);
    } else if (const char* field = payload_field(m.type)) {
      c->send_relayed(m.type, m.robot, field, m.body);
    }
  }
  close_sessions(closed);
}

// With the media relay: a remote viewer's offer opens its peer on this node's relay, as if
// the viewer were local (the viewer's node checked access and holds the session); its
// candidates follow only once that offer came.
void hub::relay_from_cluster_locked(const std::string& from_node,
                                    const std::shared_ptr<client>& robot,
                                    const cluster_message& m) {
  if (m.type != "offer" && m.type != "ice-candidate") return;  // the relay answers
  auto known = robot->remote_viewers.find(m.viewer);
  if (m.type == "ice-candidate" &&
      (known == robot->remote_viewers.end() || known->second != from_node))
    return;
  auto payload = parse_client_json(m.body);
  if (!payload || !(payload->is_object() || (m.type == "ice-candidate" && payload->is_null())))
    return;
  robot->remote_viewers[m.viewer] = from_node;
  relay_->viewer_message(m.robot, m.viewer, m.type, *payload);
}

}  // namespace camgate::signaling
