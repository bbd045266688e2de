#include "recordings.hpp"

#include <spdlog/spdlog.h>

#include "feeds.hpp"

namespace camgate::app {

recording_parts start_recordings(api::services& s, store::recording_repository& rows,
                                 const access::access_index& index,
                                 const std::filesystem::path& data, webrtc::robot_relays* relays,
                                 std::function<bool(std::string_view robot)> robot_online,
                                 const ownership& own) {
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
  const feed_opener feeds(s, relays, std::move(robot_online));
  hooks.resources = [feeds] { return feeds.resources(); };
  hooks.open_feed = feeds;
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
  hooks.owns = own.owns;
  hooks.owner = own.owner;
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
