#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "hub/channel.hpp"
#include "signaling/hub.hpp"
#include "webrtc/whep_sessions.hpp"

namespace camgate::webrtc {

// Cameras over the existing signaling protocol (the hub's camera_port): a viewer's offer
// to peer "camera:<id>" becomes a peer of that camera's encoder engine (the one WHEP
// viewers share, whep_sessions), answered as "camera:<id>" with trickled candidates both
// ways. The hub holds the session (booking policy, audit, cuts); a camera that is gone
// or a peer that fails ends it with a peer-left.
//
// State lives on a strand: the hub's calls (made under its lock) and the engine's
// callbacks only post to it.
class camera_signaling final : public signaling::camera_port,
                               public std::enable_shared_from_this<camera_signaling> {
 public:
  // The camera's hub channel, or null when there is no such camera.
  using channel_lookup = std::function<std::shared_ptr<hub::channel>(std::int64_t camera_id)>;

  static std::shared_ptr<camera_signaling> create(asio::any_io_executor io, signaling::hub& hub,
                                                  std::shared_ptr<whep_sessions> sessions,
                                                  channel_lookup channel_of);

  void viewer_message(std::int64_t camera_id, const std::string& viewer, std::string_view type,
                      const nlohmann::json& payload) override;
  void viewer_left(std::int64_t camera_id, const std::string& viewer) override;

 private:
  camera_signaling(asio::any_io_executor io, signaling::hub& hub,
                   std::shared_ptr<whep_sessions> sessions, channel_lookup channel_of);
  media::media_events events_for(std::int64_t camera_id);
  void offer(std::int64_t camera_id, const std::string& viewer, const std::string& sdp);

  asio::strand<asio::any_io_executor> strand_;
  signaling::hub& hub_;
  std::shared_ptr<whep_sessions> sessions_;
  channel_lookup channel_of_;
  // On the strand: each peer's offer's media ids, for the candidates' sdpMid.
  std::map<std::string, std::vector<std::string>> mids_;  // "<camera id>/<viewer>"
};

}  // namespace camgate::webrtc
