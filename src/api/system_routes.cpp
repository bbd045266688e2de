// GET /health (open) and GET /metrics (Prometheus text format, admins).
#include "api/camera_intake.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#ifdef CAMGATE_WITH_WEBRTC
#include "webrtc/robot_relays.hpp"
#include "webrtc/whep_sessions.hpp"
#endif

namespace camgate::api {
namespace {

using httpd::request_context;
using httpd::response;

bool is_online(sources::source_state st) {
  return st == sources::source_state::streaming || st == sources::source_state::polling;
}

asio::awaitable<response> health(services& s, request_context&) {
  std::size_t online = 0, total = 0;
  for (const auto& cam : s.cameras.list()) {
    ++total;
    if (is_online(cam->source->status().state)) ++online;
  }
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - s.started);
  nlohmann::json body{{"status", "ok"},
                      {"version", CAMGATE_VERSION},
                      {"cameras_online", online},
                      {"cameras_total", total},
                      {"uptime_s", uptime.count()}};
  // A single node says so; a cluster node names itself, its role, Redis and its leases.
  body["cluster"] = s.cluster_status
                        ? s.cluster_status()
                        : nlohmann::json{{"role", "single"}, {"leases", nlohmann::json::array()}};
  co_return httpd::json_response(http::status::ok, body);
}

asio::awaitable<response> metrics(services& s, request_context& ctx) {
  // Per-camera counters and errors describe the network behind the gateway.
  if (!is_admin(ctx))
    co_return httpd::json_error(http::status::forbidden, "metrics are for admins");
  std::string out;
  out.reserve(4096);
  struct metric {
    const char* name;
    const char* type;
    const char* help;
  };
  static constexpr metric kMetrics[] = {
      {"camgate_camera_up", "gauge", "1 when frames arrive from the camera"},
      {"camgate_camera_fps", "gauge", "frames per second received from the camera"},
      {"camgate_camera_viewers", "gauge", "live viewers (MJPEG, WebSocket and WebRTC)"},
      {"camgate_camera_frames_total", "counter", "frames received from the camera"},
      {"camgate_camera_frames_dropped_total", "counter",
       "broken or oversize camera frames skipped"},
      {"camgate_camera_frames_skipped_total", "counter", "frames slow viewers skipped"},
      {"camgate_camera_reconnects_total", "counter", "upstream reconnections"},
      {"camgate_camera_bytes_in_total", "counter", "bytes received from the camera"},
      {"camgate_camera_bytes_out_total", "counter", "bytes sent to viewers"},
      {"camgate_camera_last_frame_age_seconds", "gauge", "age of the newest frame"},
  };
  const auto cams = s.cameras.list();
  std::vector<std::pair<std::string, sources::source_status>> rows;
  for (const auto& cam : cams)
    rows.emplace_back(std::to_string(cam->record.id), cam->source->status());
  for (std::size_t m = 0; m < std::size(kMetrics); ++m) {
    out += "# HELP ";
    out += kMetrics[m].name;
    out += ' ';
    out += kMetrics[m].help;
    out += "\n# TYPE ";
    out += kMetrics[m].name;
    out += ' ';
    out += kMetrics[m].type;
    out += '\n';
    for (std::size_t i = 0; i < cams.size(); ++i) {
      const auto& st = rows[i].second;
      const auto& ch = *cams[i]->channel;
      double v = 0;
      switch (m) {
        case 0:
          v = is_online(st.state) ? 1 : 0;
          break;
        case 1:
          v = st.fps;
          break;
        case 2:
          v = static_cast<double>(ch.viewers());
          break;
        case 3:
          v = static_cast<double>(st.frames);
          break;
        case 4:
          v = static_cast<double>(st.frames_dropped);
          break;
        case 5:
          v = static_cast<double>(ch.frames_skipped());
          break;
        case 6:
          v = static_cast<double>(st.reconnects);
          break;
        case 7:
          v = static_cast<double>(st.bytes_in);
          break;
        case 8:
          v = static_cast<double>(ch.bytes_out());
          break;
        case 9:
          v = st.last_frame_age_ms < 0 ? -1 : st.last_frame_age_ms / 1000.0;
          break;
      }
      char line[256];
      std::snprintf(line, sizeof line, "%s{camera=\"%s\"} %.17g\n", kMetrics[m].name,
                    rows[i].first.c_str(), v);
      out += line;
    }
  }
#ifdef CAMGATE_WITH_WEBRTC
  if (s.webrtc) {
    const auto w = s.webrtc->stats();
    char lines[768];
    std::snprintf(lines, sizeof lines,
                  "# HELP camgate_webrtc_sessions WebRTC (WHEP) viewers of cameras\n"
                  "# TYPE camgate_webrtc_sessions gauge\ncamgate_webrtc_sessions %zu\n"
                  "# HELP camgate_webrtc_encoders cameras with a running WebRTC encoder\n"
                  "# TYPE camgate_webrtc_encoders gauge\ncamgate_webrtc_encoders %zu\n"
                  "# HELP camgate_webrtc_frames_encoded running encoders' frames so far\n"
                  "# TYPE camgate_webrtc_frames_encoded gauge\n"
                  "camgate_webrtc_frames_encoded %llu\n",
                  w.sessions, w.encoders, static_cast<unsigned long long>(w.frames_encoded));
    out += lines;
  }
  if (s.relays) {  // [robots] media = "relay": the robots' upstreams on this node
    const auto r = s.relays->stats();
    char lines[512];
    std::snprintf(lines, sizeof lines,
                  "# HELP camgate_robot_relay_upstreams robots' upstreams open on this node\n"
                  "# TYPE camgate_robot_relay_upstreams gauge\ncamgate_robot_relay_upstreams %zu\n"
                  "# HELP camgate_robot_relay_viewers viewers' peers of those upstreams\n"
                  "# TYPE camgate_robot_relay_viewers gauge\ncamgate_robot_relay_viewers %zu\n",
                  r.robots, r.viewers);
    out += lines;
  }
#endif
  if (s.cluster_metrics) out += s.cluster_metrics();
  auto res = httpd::bytes_response(http::status::ok, "text/plain; version=0.0.4", std::move(out));
  res.message.set(http::field::cache_control, "no-store");
  co_return res;
}

}  // namespace

void register_system_routes(httpd::router& r, services& s) {
  r.add(
      http::verb::get, "/health", [&s](request_context& ctx) { return health(s, ctx); },
      httpd::access::open);
  r.add(http::verb::get, "/metrics", [&s](request_context& ctx) { return metrics(s, ctx); });
}

}  // namespace camgate::api
