#include "webrtc/camera_signaling.hpp"

#include "core/logging.hpp"
#include "media/signaling_json.hpp"

namespace camgate::webrtc {

using json = nlohmann::json;

namespace {
std::string peer_name(std::int64_t camera_id) {
  return "camera:" + std::to_string(camera_id);
}
std::string key_of(std::int64_t camera_id, const std::string& viewer) {
  return std::to_string(camera_id) + "/" + viewer;
}
}  // namespace

std::shared_ptr<camera_signaling> camera_signaling::create(asio::any_io_executor io,
                                                           signaling::hub& hub,
                                                           std::shared_ptr<whep_sessions> sessions,
                                                           channel_lookup channel_of) {
  return std::shared_ptr<camera_signaling>(
      new camera_signaling(std::move(io), hub, std::move(sessions), std::move(channel_of)));
}

camera_signaling::camera_signaling(asio::any_io_executor io, signaling::hub& hub,
                                   std::shared_ptr<whep_sessions> sessions,
                                   channel_lookup channel_of)
    : strand_(asio::make_strand(io)),
      hub_(hub),
      sessions_(std::move(sessions)),
      channel_of_(std::move(channel_of)) {}

media::media_events camera_signaling::events_for(std::int64_t camera_id) {
  media::media_events ev;
  std::weak_ptr<camera_signaling> weak = weak_from_this();
  ev.on_answer = [weak, camera_id](const std::string& viewer, const std::string& sdp) {
    if (auto self = weak.lock())
      self->hub_.to_viewer(viewer, peer_name(camera_id), "answer",
                           media::description_json("answer", sdp));
  };
  ev.on_candidate = [weak, camera_id](const std::string& viewer, unsigned mline,
                                      const std::string& c) {
    auto self = weak.lock();
    if (!self || c.empty()) return;
    asio::post(self->strand_, [self, camera_id, viewer, mline, c] {
      auto it = self->mids_.find(key_of(camera_id, viewer));
      if (it == self->mids_.end()) return;
      self->hub_.to_viewer(viewer, peer_name(camera_id), "ice-candidate",
                           media::candidate_json(mline, c, it->second));
    });
  };
  ev.on_peer_state = [weak, camera_id](const std::string& viewer, media::peer_state st,
                                       const std::string& detail) {
    if (st != media::peer_state::failed) return;
    if (auto self = weak.lock()) {
      spdlog::info("webrtc: camera {} viewer {} over signaling ended: {}", camera_id, viewer,
                   detail);
      self->hub_.drop_session(viewer, peer_name(camera_id), detail);
    }
  };
  return ev;
}

void camera_signaling::viewer_message(std::int64_t camera_id, const std::string& viewer,
                                      std::string_view type, const json& payload) {
  asio::post(
      strand_, [self = shared_from_this(), camera_id, viewer, type = std::string(type), payload] {
        if (type == "offer") {
          const auto sdp = media::sdp_of(payload);
          if (sdp.empty()) {
            self->hub_.drop_session(viewer, peer_name(camera_id), "the offer holds no SDP");
            return;
          }
          self->offer(camera_id, viewer, sdp);
        } else if (type == "ice-candidate") {
          auto it = self->mids_.find(key_of(camera_id, viewer));
          if (it == self->mids_.end()) return;
          if (auto c = media::candidate_of(payload, it->second))
            self->sessions_->add_camera_peer_candidate(camera_id, viewer, c->mline, c->candidate);
        }
      });
}

// Strand.
void camera_signaling::offer(std::int64_t camera_id, const std::string& viewer,
                             const std::string& sdp) {
  auto channel = channel_of_(camera_id);
  if (!channel) {
    hub_.drop_session(viewer, peer_name(camera_id), "no such camera");
    return;
  }
  mids_[key_of(camera_id, viewer)] = media::media_ids(sdp);
  if (auto err = sessions_->attach_camera_peer(camera_id, std::move(channel), viewer, sdp,
                                               events_for(camera_id))) {
    mids_.erase(key_of(camera_id, viewer));
    hub_.drop_session(viewer, peer_name(camera_id), err->error);
  }
}

void camera_signaling::viewer_left(std::int64_t camera_id, const std::string& viewer) {
  // The media stops now (a cut must take effect within a second); the rest on the strand.
  sessions_->detach_camera_peer(camera_id, viewer);
  asio::post(strand_, [self = shared_from_this(), camera_id, viewer] {
    self->mids_.erase(key_of(camera_id, viewer));
  });
}

}  // namespace camgate::webrtc
