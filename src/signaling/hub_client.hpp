#pragma once
// The hub's per-connection state, shared by its source files (hub.cpp, hub_cameras.cpp);
// not for use outside src/signaling.
#include <chrono>
#include <map>
#include <set>

#include "signaling/hub.hpp"

namespace camgate::signaling {

using json = nlohmann::json;
using closed_list = std::vector<std::pair<std::uint64_t, access::end_reason>>;

namespace hub_detail {
constexpr std::size_t kMaxPeerId = 200;

inline std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The field a relayed message carries.
inline const char* payload_field(std::string_view type) {
  if (type == "offer") return "offer";
  if (type == "answer") return "answer";
  if (type == "ice-candidate") return "candidate";
  return nullptr;
}
}  // namespace hub_detail

enum class client_role { none, robot, viewer };

// One connection's state; every field is guarded by the hub's mutex.
class client {
 public:
  std::shared_ptr<peer_link> link;
  auth::identity who;
  std::int64_t token_expires_at = 0;
  std::string remote;
  client_role role = client_role::none;
  std::string peer_id;        // robot name or "<user>#<n>"
  std::int64_t robot_id = 0;  // a robot's robots-table id
  bool closed = false;
  // Rate limit (token bucket).
  double tokens = 0;
  std::int64_t refilled_ms = 0;
  std::int64_t rate_error_ms = -1000000;
  // Viewer: open sessions by robot name.
  struct session {
    std::shared_ptr<access::live_session> binding;
    std::uint64_t registry_id = 0;
    std::int64_t robot_id = 0;
    std::string node;  // cluster: the robot's node when it is not connected here
  };
  std::map<std::string, session, std::less<>> sessions;
  std::set<std::string, std::less<>> announced;  // robots this viewer was told are online
  // Robot: viewers with an open session, by peer id.
  std::map<std::string, std::weak_ptr<client>, std::less<>> viewers;
  // Robot, cluster: viewers on other nodes with an open session, peer id -> node.
  std::map<std::string, std::string, std::less<>> remote_viewers;

  void send(std::string_view type, const json& payload) {
    if (!closed) link->send(type, payload);
  }
  void send_relayed(std::string_view type, std::string_view from, std::string_view field,
                    std::string_view body) {
    if (!closed) link->send_relayed(type, from, field, body);
  }
};

// A viewer's session with a robot, as access::session_registry sees it.
struct hub::viewer_session : access::live_session {
  viewer_session(hub& h, std::weak_ptr<client> v) : owner(h), viewer(std::move(v)) {}
  void warn(std::int64_t ends_at_s) override { owner.session_warn(viewer, ends_at_s); }
  void cut(access::end_reason r) override { owner.session_cut(viewer, r); }
  hub& owner;
  std::weak_ptr<client> viewer;
  std::string robot;
};

using hub_detail::kMaxPeerId;
using hub_detail::payload_field;
using hub_detail::steady_ms;

}  // namespace camgate::signaling
