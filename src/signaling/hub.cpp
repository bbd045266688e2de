#include "signaling/hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_set>

#include "signaling/hub_client.hpp"

namespace camgate::signaling {

hub::hub(gateway_port& gateway, hub_options options)
    : gateway_(gateway), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = steady_ms;
}

hub::~hub() {
  close_all();
}

std::shared_ptr<client> hub::attach(std::shared_ptr<peer_link> link, const auth::identity& who,
                                    std::int64_t token_expires_at, std::string remote,
                                    std::string* error) {
  auto c = std::make_shared<client>();
  c->link = std::move(link);
  c->who = who;
  c->token_expires_at = token_expires_at;
  c->remote = std::move(remote);
  c->tokens = options_.message_burst;
  c->refilled_ms = options_.now_ms();
  std::lock_guard lock(mutex_);
  if (options_.max_connections && clients_.size() >= options_.max_connections) {
    if (error) *error = "too many connections to the signaling server";
    return nullptr;
  }
  auto& n = per_user_[who.user_id];
  if (options_.connections_per_user && n >= options_.connections_per_user) {
    if (n == 0) per_user_.erase(who.user_id);
    if (error)
      *error = "too many signaling connections for " + who.name + " (at most " +
               std::to_string(options_.connections_per_user) + ")";
    return nullptr;
  }
  ++n;
  clients_.emplace(c.get(), c);
  return c;
}

json hub::error_to(const std::shared_ptr<client>& c, std::string_view request, std::string error) {
  std::lock_guard lock(mutex_);
  return error_locked(c, request, std::move(error));
}

json hub::error_locked(const std::shared_ptr<client>& c, std::string_view request,
                       std::string error) {
  json e = {{"error", std::move(error)}, {"request", std::string(request)}};
  c->send("error", e);
  e["type"] = "error";
  return e;
}

std::optional<json> hub::admit_locked(const std::shared_ptr<client>& c, std::string_view type) {
  if (c->closed) return json{{"type", "error"}, {"error", "connection closed"}};
  // Token bucket: refill, then take one.
  const auto now = options_.now_ms();
  if (options_.messages_per_second > 0) {
    c->tokens =
        std::min(options_.message_burst,
                 c->tokens + (now - c->refilled_ms) * options_.messages_per_second / 1000.0);
    c->refilled_ms = now;
    if (c->tokens < 1) {
      json e = {{"error", "rate limit exceeded: at most " +
                              std::to_string(static_cast<int>(options_.messages_per_second)) +
                              " messages per second"},
                {"request", std::string(type)}};
      if (now - c->rate_error_ms >= 1000) {  // one notice a second, not one per message
        c->rate_error_ms = now;
        c->send("error", e);
      }
      e["type"] = "error";
      return e;
    }
    c->tokens -= 1;
  }
  return std::nullopt;
}

json hub::receive(const std::shared_ptr<client>& c, const json& message) {
  std::string type;
  if (message.is_object()) {
    auto it = message.find("type");
    if (it != message.end() && it->is_string()) type = it->get<std::string>();
  }
  {
    std::lock_guard lock(mutex_);
    if (auto answer = admit_locked(c, type)) return std::move(*answer);
  }
  if (type.empty()) return error_to(c, "", "a message is a JSON object with a string \"type\"");
  try {
    if (type == "register") return handle_register(c, message);
    if (payload_field(type)) return handle_relay(c, type, message);
    if (type == "leave") return handle_leave(c, message);
  } catch (const std::exception& e) {
    // The store failed (policy, robots table): an error to this client, never a crash.
    spdlog::error("signaling: {} from {} failed: {}", type, c->who.name, e.what());
    return error_to(c, type, "internal error");
  }
  return error_to(c, type, "unknown message type '" + type.substr(0, 64) + "'");
}

json hub::handle_register(const std::shared_ptr<client>& c, const json& m) {
  const auto user_type = m.value("userType", json()).is_string() ? m["userType"].get<std::string>()
                                                                 : std::string("viewer");
  if (user_type == "robot") {
    auto uid = m.find("userId");
    if (uid == m.end() || !uid->is_string())
      return error_to(c, "register", "userId must be the robot's name");
    const auto name = uid->get<std::string>();
    if (c->who.role != auth::role::robot || c->who.name != name)
      return error_to(c, "register",
                      "only the robot '" + name.substr(0, kMaxPeerId) +
                          "' may register as it: log in with its credential");
    const auto rid = gateway_.robot_id(name);
    if (!rid) return error_to(c, "register", "no robot named '" + name + "'");
    const auto d = gateway_.decide(c->who, access::robot_resource(*rid));
    if (!d.allowed) return error_to(c, "register", d.reason);

    closed_list closed;
    std::shared_ptr<client> replaced;
    json reply = {{"peerId", name}, {"userType", "robot"}};
    {
      std::lock_guard lock(mutex_);
      if (c->closed) return {{"type", "error"}, {"error", "connection closed"}};
      if (c->role == client_role::viewer)
        return error_locked(c, "register", "already registered as a viewer");
      if (c->role == client_role::robot) {
        c->send("registered", reply);
        reply["type"] = "registered";
        return reply;
      }
      auto it = robots_.find(name);
      if (it != robots_.end() && it->second.owner != c) {
        replaced = it->second.owner;
        detach_locked(replaced, "disconnected", closed);
        replaced->link->close(1000, "replaced by a newer connection");
      }
      c->role = client_role::robot;
      c->peer_id = name;
      c->robot_id = *rid;
      robots_[name] = robot_entry{c, *rid};
      if (cluster_) {
        remote_robots_.erase(name);  // connected here now
        cluster_->robot_online(name, *rid);
      }
      c->send("registered", reply);
    }
    if (replaced) spdlog::info("signaling: robot {} reconnected, older connection closed", name);
    close_sessions(closed);
    // Presence: tell the viewers allowed to see it (policy reads the store: no lock).
    auto allowed = viewers_allowed(*rid);
    {
      std::lock_guard lock(mutex_);
      auto it = robots_.find(name);
      if (it != robots_.end() && it->second.owner == c)
        broadcast_presence_locked(name, true, allowed);
    }
    if (relay_) relay_->robot_online(name);
    spdlog::debug("signaling: robot {} online from {}", name, c->remote);
    reply["type"] = "registered";
    return reply;
  }
  if (user_type != "viewer")
    return error_to(c, "register", "userType must be \"robot\" or \"viewer\"");
  if (c->who.role == auth::role::robot)
    return error_to(c, "register", "robots may only act as themselves");

  json reply;
  std::vector<std::pair<std::string, std::int64_t>> online;
  {
    std::lock_guard lock(mutex_);
    if (c->closed) return {{"type", "error"}, {"error", "connection closed"}};
    if (c->role == client_role::robot)
      return error_locked(c, "register", "already registered as a robot");
    if (c->role == client_role::none) {
      c->role = client_role::viewer;
      c->peer_id = c->who.name + "#" + std::to_string(next_viewer_++) + peer_suffix_;
      viewers_[c->peer_id] = c;
    }
    reply = {{"peerId", c->peer_id}, {"userType", "viewer"}};
    c->send("registered", reply);
    for (const auto& [name, r] : robots_) online.emplace_back(name, r.robot_id);
    for (const auto& [name, r] : remote_robots_) online.emplace_back(name, r.robot_id);
  }
  // The current state: every online robot this viewer may watch now.
  std::vector<std::string> visible;
  for (const auto& [name, rid] : online) {
    try {
      if (gateway_.decide(c->who, access::robot_resource(rid)).allowed) visible.push_back(name);
    } catch (const std::exception& e) {
      spdlog::warn("signaling: access check failed: {}", e.what());
    }
  }
  {
    std::lock_guard lock(mutex_);
    for (const auto& name : visible) {
      if ((!robots_.contains(name) && !remote_robots_.contains(name)) ||
          c->announced.contains(name))
        continue;
      c->announced.insert(name);
      c->send("robot-online", {{"robotId", name}});
    }
  }
  reply["type"] = "registered";
  return reply;
}

json hub::handle_relay(const std::shared_ptr<client>& c, const std::string& type, const json& m) {
  const char* field = payload_field(type);
  auto to_it = m.find("to");
  if (to_it == m.end() || !to_it->is_string() || to_it->get_ref<const std::string&>().empty() ||
      to_it->get_ref<const std::string&>().size() > kMaxPeerId)
    return error_to(c, type, "\"to\" must name the peer");
  const auto to = to_it->get<std::string>();
  auto body_it = m.find(field);
  if (body_it == m.end() ||
      !(body_it->is_object() || (type == "ice-candidate" && body_it->is_null())))
    return error_to(c, type, std::string("\"") + field + "\" must be an object");
  const json& body = *body_it;
  if (auto camera_id = camera_peer(to)) return handle_camera(c, type, to, *camera_id, body);

  std::int64_t robot_id = 0;
  {
    std::lock_guard lock(mutex_);
    if (c->closed) return {{"type", "error"}, {"error", "connection closed"}};
    if (c->role == client_role::none) return error_locked(c, type, "register first");
    if (c->role == client_role::robot) {
      if (relay_ && to == relay_peer) {
        if (type == "offer") return error_locked(c, type, "the relay makes the offers");
        relay_->robot_message(c->peer_id, type, body);
        return {{"type", "ok"}, {"request", type}};
      }
      auto v = c->viewers.find(to);
      auto viewer = v == c->viewers.end() ? nullptr : v->second.lock();
      if (!viewer && cluster_) {
        auto rv = c->remote_viewers.find(to);
        if (rv != c->remote_viewers.end()) {
          cluster_->send(rv->second,
                         {cluster_message::target::viewer, c->peer_id, to, type, body.dump()});
          return {{"type", "ok"}, {"request", type}};
        }
      }
      if (!viewer || viewer->closed)
        return error_locked(c, type, "no open session with '" + to + "'");
      viewer->send(type, {{"from", c->peer_id}, {field, body}});
      return {{"type", "ok"}, {"request", type}};
    }
    // A viewer talks only to robots.
    auto r = robots_.find(to);
    if (r == robots_.end() && cluster_) {
      auto rr = remote_robots_.find(to);
      if (rr != remote_robots_.end()) {
        auto s = c->sessions.find(to);
        if (s != c->sessions.end() && s->second.node == rr->second.node) {
          cluster_->send(rr->second.node,
                         {cluster_message::target::robot, to, c->peer_id, type, body.dump()});
          return {{"type", "ok"}, {"request", type}};
        }
        robot_id = rr->second.robot_id;
      }
    }
    if (r == robots_.end() && !robot_id)
      return error_locked(c, type,
                          viewers_.contains(to) ? "viewers can only talk to robots"
                                                : "'" + to + "' is offline or unknown");
    if (r != robots_.end()) {
      if (c->sessions.contains(to)) {
        forward_locked(c, r->second.owner, type, body);
        return {{"type", "ok"}, {"request", type}};
      }
      robot_id = r->second.robot_id;
    }
  }

  // No session yet: ask the policy (it reads the store, so not under the lock).
  access::decision d;
  try {
    d = gateway_.decide(c->who, access::robot_resource(robot_id));
  } catch (const std::exception& e) {
    spdlog::warn("signaling: access check failed: {}", e.what());
    return error_to(c, type, "cannot check access now");
  }
  if (!d.allowed) return error_to(c, type, "not allowed to use '" + to + "': " + d.reason);

  std::shared_ptr<viewer_session> binding;
  std::uint64_t registry_id = 0;
  if (type == "offer") {
    // An offer opens the session: the registry holds its deadline (booking end, token).
    binding = std::make_shared<viewer_session>(*this, c);
    binding->robot = to;
    try {
      registry_id = gateway_.open_session(binding, c->who, access::robot_resource(robot_id),
                                          c->remote, c->token_expires_at);
    } catch (const std::exception& e) {
      spdlog::error("signaling: cannot record a session of {} with {}: {}", c->who.name, to,
                    e.what());
      return error_to(c, type, "cannot record this session");
    }
  }
  bool delivered = false;
  {
    std::lock_guard lock(mutex_);
    auto r = robots_.find(to);
    if (!c->closed && r != robots_.end() && r->second.robot_id == robot_id) {
      if (binding && !c->sessions.contains(to)) {
        c->sessions[to] = client::session{binding, registry_id, robot_id, {}};
        r->second.owner->viewers[c->peer_id] = c;
        registry_id = 0;  // kept
      }
      if (c->sessions.contains(to) || !relay_) forward_locked(c, r->second.owner, type, body);
      delivered = true;
    } else if (!c->closed && r == robots_.end() && cluster_) {
      // On another node: the access check and the session stay here, the viewer's node.
      auto rr = remote_robots_.find(to);
      if (rr != remote_robots_.end() && rr->second.robot_id == robot_id) {
        if (binding && !c->sessions.contains(to)) {
          c->sessions[to] = client::session{binding, registry_id, robot_id, rr->second.node};
          registry_id = 0;
        }
        cluster_->send(rr->second.node,
                       {cluster_message::target::robot, to, c->peer_id, type, body.dump()});
        delivered = true;
      }
    }
  }
  if (registry_id) gateway_.close_session(registry_id, access::end_reason::viewer_closed);
  if (!delivered) return error_to(c, type, "'" + to + "' is offline or unknown");
  return {{"type", "ok"}, {"request", type}};
}

json hub::handle_leave(const std::shared_ptr<client>& c, const json& m) {
  auto to_it = m.find("to");
  if (to_it == m.end() || !to_it->is_string())
    return error_to(c, "leave", "\"to\" must name the peer");
  const auto to = to_it->get<std::string>();
  closed_list closed;
  bool found = false;
  {
    std::lock_guard lock(mutex_);
    if (c->role == client_role::viewer && c->sessions.contains(to)) {
      end_session_locked(c, to, "closed by viewer", false, closed,
                         access::end_reason::viewer_closed);
      found = true;
    } else if (c->role == client_role::robot && relay_ && to == relay_peer) {
      found = true;  // the robot hung up on the relay: its next offer comes with a restart
    } else if (c->role == client_role::robot) {
      auto v = c->viewers.find(to);
      if (auto viewer = v == c->viewers.end() ? nullptr : v->second.lock()) {
        // The robot hangs up on a viewer: tell the viewer, forget the session.
        viewer->send("peer-left", {{"from", c->peer_id}, {"reason", "closed by robot"}});
        end_session_locked(viewer, c->peer_id, "", false, closed,
                           access::end_reason::viewer_closed);
        found = true;
      } else if (cluster_) {
        auto rv = c->remote_viewers.find(to);
        if (rv != c->remote_viewers.end()) {
          cluster_->send(rv->second, {cluster_message::target::viewer, c->peer_id, to, "peer-left",
                                      "closed by robot"});
          c->remote_viewers.erase(rv);
          found = true;
        }
      }
    }
  }
  close_sessions(closed);
  if (!found) return error_to(c, "leave", "no open session with '" + to + "'");
  return {{"type", "ok"}, {"request", "leave"}};
}

// A viewer's offer or candidate for a robot: to the relay in relay mode, else to the robot.
void hub::forward_locked(const std::shared_ptr<client>& viewer,
                         const std::shared_ptr<client>& robot, const std::string& type,
                         const json& body) {
  if (relay_)
    relay_->viewer_message(robot->peer_id, viewer->peer_id, type, body);
  else
    robot->send(type, {{"from", viewer->peer_id}, {payload_field(type), body}});
}

void hub::end_session_locked(const std::shared_ptr<client>& viewer, const std::string& robot,
                             std::string_view reason, bool /*tell_viewer*/, closed_list& closed,
                             access::end_reason why) {
  auto s = viewer->sessions.find(robot);
  if (s == viewer->sessions.end()) return;
  closed.emplace_back(s->second.registry_id, why);
  const auto node = std::move(s->second.node);
  viewer->sessions.erase(s);
  if (!node.empty()) {  // the robot is on another node: its node tells it why
    if (cluster_)
      cluster_->send(node, {cluster_message::target::robot, robot, viewer->peer_id, "peer-left",
                            std::string(reason.empty() ? "closed by viewer" : reason)});
    return;
  }
  if (auto camera_id = camera_peer(robot)) {
    if (cameras_) cameras_->viewer_left(*camera_id, viewer->peer_id);
    return;
  }
  if (relay_) relay_->viewer_left(robot, viewer->peer_id);
  auto r = robots_.find(robot);
  if (r != robots_.end()) {
    r->second.owner->viewers.erase(viewer->peer_id);
    if (!reason.empty() && !relay_)
      r->second.owner->send("peer-left",
                            {{"from", viewer->peer_id}, {"reason", std::string(reason)}});
  }
}

void hub::detach_locked(const std::shared_ptr<client>& c, std::string_view peer_left_reason,
                        closed_list& closed) {
  if (c->closed) return;
  if (c->role == client_role::viewer) {
    while (!c->sessions.empty()) {
      const auto robot = c->sessions.begin()->first;
      end_session_locked(c, robot, peer_left_reason, false, closed,
                         access::end_reason::viewer_closed);
    }
    viewers_.erase(c->peer_id);
  } else if (c->role == client_role::robot) {
    auto it = robots_.find(c->peer_id);
    if (it != robots_.end() && it->second.owner == c) {
      // Its viewers: the sessions end, and everyone told it was online hears it is not.
      for (auto& [peer, weak] : c->viewers) {
        if (auto v = weak.lock()) {
          auto s = v->sessions.find(c->peer_id);
          if (s != v->sessions.end()) {
            closed.emplace_back(s->second.registry_id, access::end_reason::viewer_closed);
            v->sessions.erase(s);
            if (relay_) relay_->viewer_left(c->peer_id, peer);
          }
        }
      }
      c->viewers.clear();
      // Their nodes hear the robot is offline; their media here ends with the robot's.
      if (relay_)
        for (const auto& [peer, node] : c->remote_viewers) relay_->viewer_left(c->peer_id, peer);
      c->remote_viewers.clear();
      robots_.erase(it);
      if (cluster_) cluster_->robot_offline(c->peer_id);
      if (relay_) relay_->robot_offline(c->peer_id);
      for (auto& [ptr, weak] : clients_) {
        auto v = weak.lock();
        if (!v || v->role != client_role::viewer) continue;
        if (v->announced.erase(c->peer_id)) v->send("robot-offline", {{"robotId", c->peer_id}});
      }
    }
  }
  c->closed = true;
  clients_.erase(c.get());
  auto n = per_user_.find(c->who.user_id);
  if (n != per_user_.end() && --n->second == 0) per_user_.erase(n);
}

void hub::close_sessions(const closed_list& closed) {
  for (const auto& [id, why] : closed) {
    if (!id) continue;
    try {
      gateway_.close_session(id, why);
    } catch (const std::exception& e) {
      spdlog::warn("signaling: cannot end session {}: {}", id, e.what());
    }
  }
}

void hub::broadcast_presence_locked(const std::string& robot, bool online,
                                    const std::vector<std::shared_ptr<client>>& to) {
  for (const auto& v : to) {
    if (v->closed || v->role != client_role::viewer) continue;
    if (online ? v->announced.insert(robot).second : v->announced.erase(robot) > 0)
      v->send(online ? "robot-online" : "robot-offline", {{"robotId", robot}});
  }
}

std::vector<std::shared_ptr<client>> hub::viewers_allowed(std::int64_t robot_id) {
  std::vector<std::shared_ptr<client>> viewers;
  {
    std::lock_guard lock(mutex_);
    viewers.reserve(viewers_.size());
    for (const auto& [id, weak] : viewers_)
      if (auto v = weak.lock()) viewers.push_back(std::move(v));
  }
  // One policy question per user, however many connections they have.
  std::unordered_map<std::int64_t, bool> by_user;
  std::vector<std::shared_ptr<client>> out;
  for (auto& v : viewers) {
    auto [it, fresh] = by_user.try_emplace(v->who.user_id, false);
    if (fresh) {
      try {
        it->second = gateway_.decide(v->who, access::robot_resource(robot_id)).allowed;
      } catch (const std::exception& e) {
        spdlog::warn("signaling: access check failed: {}", e.what());
      }
    }
    if (it->second) out.push_back(std::move(v));
  }
  return out;
}

void hub::detach(const std::shared_ptr<client>& c) {
  if (!c) return;
  closed_list closed;
  {
    std::lock_guard lock(mutex_);
    detach_locked(c, "disconnected", closed);
  }
  close_sessions(closed);
}

void hub::end(const std::shared_ptr<client>& c, access::end_reason why) {
  if (!c) return;
  closed_list closed;
  const std::string reason(access::to_string(why));
  {
    std::lock_guard lock(mutex_);
    if (c->closed) return;
    if (c->role == client_role::viewer) c->send("session-ended", {{"reason", reason}});
    // The robots hear why (peer-left "booking ended" / "token expired").
    if (c->role == client_role::viewer) {
      while (!c->sessions.empty()) {
        const auto robot = c->sessions.begin()->first;
        end_session_locked(c, robot, reason, false, closed, why);
      }
    }
    detach_locked(c, reason, closed);
    c->link->close(static_cast<std::uint16_t>(access::websocket_close_code(why)), reason);
  }
  close_sessions(closed);
}

std::size_t hub::end_revoked(const access::access_snapshot& access) {
  std::vector<std::pair<std::shared_ptr<client>, access::end_reason>> revoked;
  {
    std::lock_guard lock(mutex_);
    for (auto& [ptr, weak] : clients_) {
      auto c = weak.lock();
      if (!c || c->closed) continue;
      switch (access::check_credential(access, c->who)) {
        case access::credential_state::valid:
          break;
        case access::credential_state::user_removed:
          revoked.emplace_back(std::move(c), access::end_reason::user_removed);
          break;
        case access::credential_state::token_revoked:
          revoked.emplace_back(std::move(c), access::end_reason::token_revoked);
          break;
      }
    }
  }
  // end() takes the lock itself and tells the viewer and its robots why.
  for (auto& [c, why] : revoked) end(c, why);
  return revoked.size();
}

void hub::session_warn(const std::weak_ptr<client>& viewer, std::int64_t ends_at) {
  auto v = viewer.lock();
  if (!v) return;
  std::lock_guard lock(mutex_);
  v->send("session-expiring", {{"ends_at", ends_at}});
}

void hub::session_cut(const std::weak_ptr<client>& viewer, access::end_reason why) {
  end(viewer.lock(), why);
}

robot_state hub::state_of(std::string_view robot_name) const {
  std::lock_guard lock(mutex_);
  auto it = robots_.find(std::string(robot_name));
  if (it == robots_.end()) {
    // Online on another node (its viewers are counted there).
    auto r = remote_robots_.find(std::string(robot_name));
    if (r != remote_robots_.end()) return {true, 0, r->second.node};
    return {};
  }
  return {true, it->second.owner->viewers.size() + it->second.owner->remote_viewers.size()};
}

std::size_t hub::connections() const {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

std::size_t hub::robots_online() const {
  std::lock_guard lock(mutex_);
  return robots_.size();
}

void hub::set_relay(relay_port* r) {
  std::lock_guard lock(mutex_);
  relay_ = r;
}

bool hub::to_viewer(const std::string& viewer, const std::string& robot, std::string_view type,
                    const json& payload) {
  const char* field = payload_field(type);
  if (!field) return false;
  std::lock_guard lock(mutex_);
  auto v = viewers_.find(viewer);
  auto c = v == viewers_.end() ? nullptr : v->second.lock();
  if (!c && cluster_) return to_remote_viewer_locked(viewer, robot, type, payload);
  if (!c || c->closed || !c->sessions.contains(robot)) return false;
  c->send(type, {{"from", robot}, {field, payload}});
  return true;
}

bool hub::to_robot(const std::string& robot, std::string_view type, const json& payload) {
  std::lock_guard lock(mutex_);
  auto r = robots_.find(robot);
  if (r == robots_.end() || r->second.owner->closed) return false;
  json m = {{"from", std::string(relay_peer)}};
  if (const char* field = payload_field(type))
    m[field] = payload;
  else
    m.update(payload);  // peer-left: {"reason": ...}
  r->second.owner->send(type, m);
  return true;
}

void hub::close_all() {
  closed_list closed;
  constexpr auto stopping = access::end_reason::gateway_stopping;
  {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<client>> all;
    for (auto& [ptr, weak] : clients_)
      if (auto c = weak.lock()) all.push_back(std::move(c));
    for (auto& c : all) {
      detach_locked(c, access::to_string(stopping), closed);
      c->link->close(static_cast<std::uint16_t>(access::websocket_close_code(stopping)),
                     std::string(access::to_string(stopping)));
    }
  }
  for (auto& [id, why] : closed) {
    if (id) try {
        gateway_.close_session(id, stopping);
      } catch (...) {
      }
  }
}

}  // namespace camgate::signaling
