#pragma once
// The WebRTC rendezvous, independent of any transport: who is connected (robots by
// name, viewers by peer id), who may talk to whom, and the live sessions between a
// viewer and a robot. Socket.IO and the plain WebSocket both drive it through
// peer_link; tests drive it with fakes, without sockets. Protocol: docs/signaling-protocol.md.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "access/end_reason.hpp"
#include "access/live_session.hpp"
#include "access/policy.hpp"
#include "access/resource.hpp"
#include "auth/identity.hpp"

namespace camgate::signaling {

// One client connection as the hub sees it. Both calls may come from any thread, with
// the hub's lock held: they must only queue the work (post to the connection's strand)
// and never call back into the hub.
struct peer_link {
  virtual ~peer_link() = default;
  // Sends {"type": type, ...payload} (Socket.IO: the event `type` with `payload`).
  virtual void send(std::string_view type, const nlohmann::json& payload) = 0;
  // Sends {"type": type, "from": from, field: body}, `body` being the JSON text of an
  // object the relay scanned (relay_scan.hpp), forwarded as is. The default parses it.
  virtual void send_relayed(std::string_view type, std::string_view from, std::string_view field,
                            std::string_view body);
  // Ends the connection: WebSocket close `code` / `reason`; Socket.IO a server disconnect.
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

// What the hub needs from the rest of the gateway (the store, the access policy and
// the session registry); gateway_port.hpp has the real one.
struct gateway_port {
  virtual ~gateway_port() = default;
  // The robots-table id of robot `name`; nullopt when there is no such robot.
  virtual std::optional<std::int64_t> robot_id(std::string_view name) = 0;
  // May `who` use that robot or camera now (viewer: booking or admin; robot: itself)?
  virtual access::decision decide(const auth::identity& who, access::resource what) = 0;
  // Registers a viewer's session with a robot or camera with access::session_registry:
  // returns its id. Throws when it cannot be recorded.
  virtual std::uint64_t open_session(std::weak_ptr<access::live_session> s,
                                     const auth::identity& who, access::resource what,
                                     const std::string& remote, std::int64_t token_expires_at) = 0;
  virtual void close_session(std::uint64_t id, access::end_reason why) = 0;
};

// Robot media through the gateway ([robots] media = "relay"): a viewer's offer to a robot
// and its candidates go to the relay, not to the robot; the relay answers as the robot
// (hub::to_viewer) and is itself the robot's one viewer, peer id hub::relay_peer
// (hub::to_robot). The hub calls these with its lock held: they must only queue work and
// never call back into the hub before returning.
struct relay_port {
  virtual ~relay_port() = default;
  // "offer" or "ice-candidate" from viewer `viewer` (a session with `robot` is open).
  virtual void viewer_message(const std::string& robot, const std::string& viewer,
                              std::string_view type, const nlohmann::json& payload) = 0;
  // The viewer's session with `robot` ended (left, cut, disconnected): drop its media.
  virtual void viewer_left(const std::string& robot, const std::string& viewer) = 0;
  // "answer" or "ice-candidate" from robot `robot` to the relay.
  virtual void robot_message(const std::string& robot, std::string_view type,
                             const nlohmann::json& payload) = 0;
  // The robot (re)registered: a new upstream, if the relay has one for it (or keeps one warm).
  virtual void robot_online(const std::string& robot) = 0;
  // The robot's connection ended.
  virtual void robot_offline(const std::string& /*robot*/) {}
};

// Cameras over WebRTC through signaling: a viewer addresses camera 3 as peer "camera:3"
// (hub::camera_peer); the gateway's encoder of that camera answers as "camera:3" through
// hub::to_viewer, and hub::drop_session when it cannot. Same locking rules as relay_port.
struct camera_port {
  virtual ~camera_port() = default;
  // "offer" or "ice-candidate" from viewer `viewer` (a session with the camera is open).
  virtual void viewer_message(std::int64_t camera_id, const std::string& viewer,
                              std::string_view type, const nlohmann::json& payload) = 0;
  // The viewer's session with the camera ended (left, cut, disconnected): drop its media.
  virtual void viewer_left(std::int64_t camera_id, const std::string& viewer) = 0;
};

// Signaling across cluster nodes (cluster/signal_bus.hpp): a message for a robot or a
// viewer connected to another node. `body` is JSON text (an offer, answer or candidate
// as the sender wrote it) or, for "peer-left", the reason.
struct cluster_message {
  enum class target { robot, viewer } to = target::robot;
  std::string robot;   // the robot's name
  std::string viewer;  // the viewer's peer id
  std::string type;    // "offer", "answer", "ice-candidate", "peer-left"
  std::string body;
};

// What the hub needs from the cluster's bus. The hub calls these with its lock held:
// they must only queue work and never call back into the hub before returning.
struct cluster_port {
  virtual ~cluster_port() = default;
  // A robot registered here / left here: presence for the other nodes.
  virtual void robot_online(const std::string& robot, std::int64_t robot_id) = 0;
  virtual void robot_offline(const std::string& robot) = 0;
  // To the node `node` (a robot's or a viewer's).
  virtual void send(const std::string& node, cluster_message m) = 0;
};

struct hub_options {
  double messages_per_second = 50;
  double message_burst = 100;
  std::size_t connections_per_user = 8;  // 0: no cap
  std::size_t max_connections = 20000;   // 0: no cap
  // Milliseconds of a steady clock, for the rate limits (tests inject one).
  std::function<std::int64_t()> now_ms;
};

struct robot_state {
  bool online = false;
  std::size_t viewers = 0;  // viewers with an open session
  std::string node;         // cluster: the node it is connected to, when not this one
};

class client;

class hub {
 public:
  hub(gateway_port& gateway, hub_options options = {});
  ~hub();
  hub(const hub&) = delete;
  hub& operator=(const hub&) = delete;

  // A new authenticated connection. nullptr, with `error` set, when a connection cap
  // refuses it ("too many connections").
  std::shared_ptr<client> attach(std::shared_ptr<peer_link> link, const auth::identity& who,
                                 std::int64_t token_expires_at, std::string remote,
                                 std::string* error = nullptr);

  // One message from the client: {"type": ..., ...}. Answers go through its link
  // ("registered", "error"...); the return value is the direct answer for a Socket.IO
  // acknowledgement: the "registered" or "error" message, or {"type":"ok"}.
  nlohmann::json receive(const std::shared_ptr<client>& c, const nlohmann::json& message);

  // The relay's fast path: the message {"type": type, "to": to, field: body} already
  // scanned (relay_scan.hpp), `body` the JSON text of an object. The same checks,
  // limits and answers as receive(); between two peers with an open session the body is
  // forwarded as sent. nullopt for {"type":"ok"}, else receive()'s direct answer.
  std::optional<nlohmann::json> relay(const std::shared_ptr<client>& c, std::string_view type,
                                      std::string_view to, std::string_view body);

  // The connection is gone (closed by the peer, dropped by the heartbeat...). Idempotent.
  void detach(const std::shared_ptr<client>& c);

  // Ends the client's connection for `why` (token expired, booking ended): a viewer gets
  // {"type":"session-ended","reason":...} first, its robots peer-left; then close with
  // the WebSocket code for `why` (4001, 4002...).
  void end(const std::shared_ptr<client>& c, access::end_reason why);

  // Ends every connection whose credential `access` no longer accepts (user deleted:
  // close 4005 "user removed"; logout, role or password change: 4006 "token revoked").
  // Called after each refresh of the access index. Returns how many ended.
  std::size_t end_revoked(const access::access_snapshot& access);

  // Thread-safe snapshots, for GET /api/robots and /metrics.
  robot_state state_of(std::string_view robot_name) const;
  std::size_t connections() const;
  std::size_t robots_online() const;

  // Closes every connection (gateway stopping).
  void close_all();

  // Relay mode (call before any connection): viewers' media to robots goes through `r`.
  void set_relay(relay_port* r);
  // Cluster mode (call before any connection, after set_relay if any): robots on other
  // nodes are listed and reachable through `c`; nullptr (the default) is a single node.
  // Viewers' peer ids then end with "@<node_id>" ("alice#3@gw-1"): unique in the cluster.
  // With a relay, the robot's node owns its upstream: a remote viewer's offer and
  // candidates go to that node's relay, its answers come back over `c`.
  void set_cluster(cluster_port* c, std::string node_id = "");
  // From the bus (its threads): robot `robot` is online on node `node` / is not anymore.
  void remote_robot_online(const std::string& robot, const std::string& node,
                           std::int64_t robot_id);
  void remote_robot_offline(const std::string& robot, const std::string& node);
  // From the bus: node `node` is gone (died): its viewers' sessions with robots here end,
  // the robots get peer-left "disconnected".
  void remote_node_gone(const std::string& node);
  // From the bus: a message from node `from_node` for a robot or a viewer here.
  void from_cluster(const std::string& from_node, const cluster_message& m);
  // The peer id the robot sees for the relay (viewers' ids always hold a '#').
  static constexpr std::string_view relay_peer = "camgate-relay";
  // From the relay: {"from": robot, field: payload} to a viewer with a session with the
  // robot (cluster: on its node, over the bus); false when there is none.
  bool to_viewer(const std::string& viewer, const std::string& robot, std::string_view type,
                 const nlohmann::json& payload);
  // Cameras over signaling (call before any connection).
  void set_cameras(camera_port* c);
  // "camera:3" -> 3; nullopt for any other peer id (robots' names never hold ':').
  static std::optional<std::int64_t> camera_peer(std::string_view peer);
  // Ends viewer `viewer`'s session with `peer` (a camera that is gone, a peer that failed):
  // the viewer gets {"type":"peer-left","from":peer,"reason":reason}. False when none.
  bool drop_session(const std::string& viewer, const std::string& peer, const std::string& reason);
  // From the relay to robot `robot`: {"from": relay_peer, field: payload} for an offer or
  // a candidate, {"from": relay_peer, "reason": ...} for "peer-left". False when offline.
  bool to_robot(const std::string& robot, std::string_view type, const nlohmann::json& payload);

 private:
  friend class client;
  struct viewer_session;
  struct robot_entry {
    std::shared_ptr<client> owner;
    std::int64_t robot_id = 0;
  };
  struct remote_robot {
    std::string node;
    std::int64_t robot_id = 0;
  };

  nlohmann::json handle_register(const std::shared_ptr<client>& c, const nlohmann::json& m);
  nlohmann::json handle_relay(const std::shared_ptr<client>& c, const std::string& type,
                              const nlohmann::json& m);
  nlohmann::json handle_leave(const std::shared_ptr<client>& c, const nlohmann::json& m);
  nlohmann::json handle_camera(const std::shared_ptr<client>& c, const std::string& type,
                               const std::string& to, std::int64_t camera_id,
                               const nlohmann::json& body);
  nlohmann::json error_to(const std::shared_ptr<client>& c, std::string_view request,
                          std::string error);
  // With mutex_ held: the connection is open and within its rate (one token taken);
  // else the answer.
  std::optional<nlohmann::json> admit_locked(const std::shared_ptr<client>& c,
                                             std::string_view type);
  nlohmann::json error_locked(const std::shared_ptr<client>& c, std::string_view request,
                              std::string error);

  // With mutex_ held.
  void detach_locked(const std::shared_ptr<client>& c, std::string_view peer_left_reason,
                     std::vector<std::pair<std::uint64_t, access::end_reason>>& closed);
  void forward_locked(const std::shared_ptr<client>& viewer, const std::shared_ptr<client>& robot,
                      const std::string& type, const nlohmann::json& body);
  void end_session_locked(const std::shared_ptr<client>& viewer, const std::string& robot,
                          std::string_view reason, bool tell_viewer,
                          std::vector<std::pair<std::uint64_t, access::end_reason>>& closed,
                          access::end_reason why);
  void broadcast_presence_locked(const std::string& robot, bool online,
                                 const std::vector<std::shared_ptr<client>>& to);
  std::vector<std::shared_ptr<client>> viewers_allowed(std::int64_t robot_id);
  void close_sessions(const std::vector<std::pair<std::uint64_t, access::end_reason>>& closed);
  // Cluster (hub_cluster.cpp): the relay's answer or candidate for a viewer on another node.
  void relay_from_cluster_locked(const std::string& from_node, const std::shared_ptr<client>& robot,
                                 const cluster_message& m);
  bool to_remote_viewer_locked(const std::string& viewer, const std::string& robot,
                               std::string_view type, const nlohmann::json& payload);
  void session_warn(const std::weak_ptr<client>& viewer, std::int64_t ends_at);
  void session_cut(const std::weak_ptr<client>& viewer, access::end_reason why);

  gateway_port& gateway_;
  hub_options options_;
  relay_port* relay_ = nullptr;
  camera_port* cameras_ = nullptr;
  cluster_port* cluster_ = nullptr;
  std::string peer_suffix_;                                      // cluster: "@<node_id>"
  std::unordered_map<std::string, remote_robot> remote_robots_;  // on other nodes, by name
  mutable std::mutex mutex_;
  std::unordered_map<std::string, robot_entry> robots_;             // by name
  std::unordered_map<std::string, std::weak_ptr<client>> viewers_;  // by peer id
  std::unordered_map<std::int64_t, std::size_t> per_user_;          // connections
  std::unordered_map<client*, std::weak_ptr<client>> clients_;
  std::uint64_t next_viewer_ = 1;
};

}  // namespace camgate::signaling
