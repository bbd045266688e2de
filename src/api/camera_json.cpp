#include "api/camera_json.hpp"

namespace camgate::api {

std::string camera_base_url(const store::camera_record& r) {
  if (!r.url.empty()) {
    // scheme://authority of the configured URL
    const auto scheme_end = r.url.find("://");
    if (scheme_end != std::string::npos) {
      const auto path = r.url.find('/', scheme_end + 3);
      return r.url.substr(0, path);
    }
  }
  const bool v6 = r.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + r.host + "]" : r.host) + ":" + std::to_string(r.port);
}

nlohmann::json camera_json(const cameras::camera& cam, bool upstream) {
  const auto st = cam.source->status();
  const auto& r = cam.record;
  const auto base = "/api/cameras/" + std::to_string(r.id);
  nlohmann::json j = {
      {"id", r.id},
      {"name", r.name},
      {"host", r.host},
      {"port", r.port},
      {"url", r.url},
      {"origin", r.origin},
      {"created_at", r.created_at},
      {"created_by", r.created_by ? nlohmann::json(*r.created_by) : nlohmann::json(nullptr)},
      {"camera_url", camera_base_url(r)},
      {"upstream_url", st.active_url},
      {"state", std::string(sources::to_string(st.state))},
      {"mode", st.mode},
      {"fps", st.fps},
      {"last_frame_age_ms", st.last_frame_age_ms},
      {"width", st.width},
      {"height", st.height},
      {"frames", st.frames},
      {"bytes_in", st.bytes_in},
      {"frames_dropped", st.frames_dropped},
      {"reconnects", st.reconnects},
      {"last_error", st.last_error},
      {"viewers", cam.channel->viewers()},
      {"frames_skipped", cam.channel->frames_skipped()},
      {"bytes_out", cam.channel->bytes_out()},
      {"links",
       {{"snapshot", base + "/snapshot"},
        {"stream", base + "/stream"},
        {"ws", base + "/ws"},
        {"analyze", base + "/analyze"}}},
  };
  if (upstream && cam.from != cameras::upstream::direct) {
    // A cluster node relaying (or waiting for) the camera's owner: which, not the
    // signature of the internal URL.
    j["upstream_url"] = st.active_url.substr(0, st.active_url.find('?'));
    j["upstream"] = cam.from == cameras::upstream::relay ? "relay" : "held";
  }
  if (!upstream)
    for (const char* key : {"host", "port", "url", "camera_url", "upstream_url", "last_error"})
      j.erase(key);
  return j;
}

}  // namespace camgate::api
