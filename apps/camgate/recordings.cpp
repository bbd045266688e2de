#include "recordings.hpp"

#include <spdlog/spdlog.h>

#include "webrtc/robot_relays.hpp"

namespace camgate::app {

recording_parts start_recordings(api::services& s, store::recording_repository& rows,
                                 const access::access_index& index,
                                 const std::filesystem::path& data, webrtc::robot_relays* relays,
                                 std::function<bool(std::string_view robot)> robot_online) {
  const auto& cfg = s.config.recording;
  recording_parts parts;
  recording::offload_options o;
  o.on_complete = cfg.on_complete;
  o.remote_url = cfg.remote_url;
  o.delete_after_offload = cfg.delete_after_offload;
  o.fetch_command = cfg.fetch_command;
  o.timeout = std::chrono::seconds(cfg.offload_timeout_s);
  parts.offload = std::make_unique<recording::offloader>(rows, o);

  recording::scheduler_hooks hooks;
  hooks.resources = [&s, relays] {
    std::vector<access::resource> all;
    for (const auto& c : s.cameras.list()) all.push_back(access::camera_resource(c->record.id));
    if (relays)
      for (const auto& r : s.robots.list()) all.push_back(access::robot_resource(r.id));
    return all;
  };
  hooks.open_feed = [&s, relays, robot_online](access::resource what,
                                               std::string& why) -> std::optional<recording::feed> {
    if (what.kind == access::resource_kind::camera) {
      auto cam = s.cameras.get(what.id);
      if (!cam) {
        why = "no camera " + std::to_string(what.id);
        return std::nullopt;
      }
      return recording::feed{cam->channel, nullptr};
    }
    auto robot = s.robots.get(what.id);
    if (!robot || !relays) {
      why = relays ? "no robot " + std::to_string(what.id)
                   : "robots are recorded only with [robots] media = \"relay\"";
      return std::nullopt;
    }
    if (!robot_online(robot->name)) {
      why = "robot " + std::to_string(what.id) + " is not connected";
      return std::nullopt;
    }
    // The lease keeps its upstream open and its pictures decoded while it records.
    return recording::feed{relays->watch_channel(robot->name), relays->watch_pictures(robot->name)};
  };
  hooks.booking_at = [&s](std::int64_t user, access::resource what,
                          std::int64_t now) -> std::optional<std::int64_t> {
    store::booking_filter f;
    f.user_id = user;
    f.resource_kind = std::string(access::to_string(what.kind));
    f.resource_id = what.id;
    f.from = now;
    f.to = now + 1;
    for (const auto& b : s.bookings.list(f))
      if (b.starts_at <= now && now < b.ends_at) return b.id;
    return std::nullopt;
  };
  parts.service =
      std::make_unique<recording::service>(rows, s.audit, index, cfg, data, std::move(hooks));
  parts.service->on_complete(
      [off = parts.offload.get()](const store::recording_row& row) { off->completed(row); });
  s.recordings = parts.service.get();
  s.fetch_recording = [off = parts.offload.get()](const store::recording_row& row,
                                                  std::string& why) {
    return off->ensure_local(row, why);
  };
  parts.service->start();
  if (const int n = parts.offload->requeue_pending())
    spdlog::info("recordings: {} complete recording(s) queued for offload again", n);
  return parts;
}

}  // namespace camgate::app
