#include "api/robot_reads.hpp"

#include "api/camera_reads.hpp"
#include "api/robot_lookup.hpp"
#include "webrtc/robot_relays.hpp"

namespace camgate::api {
namespace {

// A cold upstream needs an offer, ICE, DTLS and a keyframe before its first picture.
constexpr std::chrono::milliseconds cold_start_wait{5000};

std::variant<picture_target, httpd::response> robot_target(services& s,
                                                           const httpd::request_context& ctx) {
  auto r = visible_robot(s, ctx);
  if (!r) return httpd::json_error(http::status::not_found, "no such robot");
  if (!s.relays)
    return httpd::json_error(http::status::conflict,
                             "robot pictures go through the gateway only with [robots] media = "
                             "\"relay\"; this gateway runs \"p2p\"");
  const std::string name = r->name;
  const auto presence = s.presence_of ? s.presence_of(name) : robot_presence{};
  // In a cluster the robot's node owns its upstream; its pictures are decoded there.
  if (presence.online && !presence.node.empty())
    return httpd::json_error(http::status::conflict,
                             "robot '" + name + "' is connected to node '" + presence.node +
                                 "': its pictures and analysis are served by that node");
  const bool online = presence.online;
  picture_target t;
  t.resource = robot_resource(r->id);
  t.label = "robot " + std::to_string(r->id);
  auto* relays = s.relays;
  t.channel = relays->watch_channel(name);
  // An offline robot sends nothing: say so at once rather than after the wait.
  t.wait = online ? std::max(cold_start_wait,
                             std::chrono::milliseconds(s.config.cameras.snapshot_wait_ms))
                  : std::chrono::milliseconds(0);
  t.unreachable = [online, relays, name]() -> std::optional<std::string> {
    if (!online) return "it is not connected to signaling";
    if (auto e = relays->upstream_error(name); !e.empty()) return e;
    return std::nullopt;
  };
  t.about = {{"robot_id", r->id}, {"robot", name}};
  t.demand = [relays, name] { return relays->watch_pictures(name); };
  return t;
}

}  // namespace

void register_robot_reads(httpd::router& r, services& s) {
  register_picture_reads(
      r, s,
      {"/api/robots/{id}/snapshot", "/api/robots/{id}/stream", "/api/robots/{id}/ws",
       "/api/robots/{id}/analyze", "/api/robots/{id}/events"},
      [&s](const httpd::request_context& ctx) { return robot_target(s, ctx); });
}

}  // namespace camgate::api
