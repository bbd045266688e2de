#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "core/asio.hpp"
#include "hub/channel.hpp"
#include "media/media_engine.hpp"
#include "outputs/output_session.hpp"
#include "webrtc/robot_relays.hpp"
#include "webrtc/sdp_fragment.hpp"

namespace camgate::webrtc {

struct whep_sessions_options {
  media::media_options media;  // the encoders' settings; the source is always "frames"
  // An encoder stays this long after its last viewer: a reload reuses it.
  std::chrono::milliseconds linger{10000};
  std::size_t max_sessions = 200;
  std::chrono::milliseconds answer_timeout{5000};
  // Our candidates go into the answer: wait for them this long at most.
  std::chrono::milliseconds gather_timeout{1000};
};

struct session_error {
  int status;  // HTTP status
  std::string error;
};

struct opened_session {
  std::string answer;                               // SDP, with our candidates
  std::shared_ptr<outputs::output_session> output;  // for the live-session registry
};

// WHEP sessions. Cameras over WebRTC: every watched camera gets ONE media engine (its
// pictures decoded once and encoded once per codec) while it has viewers, and each viewer
// a peer of that engine. Robots: each viewer is a peer of the robot's relay engine
// (robot_relays), which forwards the robot's one stream. Sessions end by close() (WHEP DELETE), by
// the output's end() (a booking cut, the camera removed), or when the peer fails; on_closed is told
// once, on the executor.
//
// Thread-safe. Engine callbacks arrive on GStreamer threads and only touch state under mu_.
class whep_sessions : public std::enable_shared_from_this<whep_sessions> {
 public:
  // `io` runs timers and the on_closed calls; `blocking` stops engines (which joins a thread).
  static std::shared_ptr<whep_sessions> create(asio::any_io_executor io,
                                               asio::any_io_executor blocking,
                                               whep_sessions_options options);
  ~whep_sessions();
  whep_sessions(const whep_sessions&) = delete;
  whep_sessions& operator=(const whep_sessions&) = delete;

  // Answers `offer` for camera `camera_id` as session `id`. Call from a single-threaded
  // executor (an HTTP connection's).
  asio::awaitable<std::variant<opened_session, session_error>> open(
      std::string id, std::int64_t camera_id, std::shared_ptr<hub::channel> channel,
      std::string offer, std::int64_t owner, outputs::output_session::closed_handler on_closed);

  // The same for robot `robot_id` (signaling name `robot`): the session is a peer of the
  // robot's relay (robot_relays), never a second stream from the robot. Needs
  // set_relays; 409 otherwise.
  asio::awaitable<std::variant<opened_session, session_error>> open_robot(
      std::string id, std::int64_t robot_id, std::string robot, std::string offer,
      std::int64_t owner, outputs::output_session::closed_handler on_closed);
  // Robots through the gateway ([robots] media = "relay"). Before any open_robot.
  void set_relays(std::shared_ptr<robot_relays> relays) { relays_ = std::move(relays); }

  // A camera viewer that is not a WHEP session (a /signaling peer, webrtc::camera_signaling):
  // its peer `peer` joins camera `camera_id`'s engine with `offer`, and the engine's events
  // for it go to `events`. The camera's end (removed, gateway stopping) reports the peer
  // failed. detach_camera_peer ends it at once. Counts against max_sessions.
  std::optional<session_error> attach_camera_peer(std::int64_t camera_id,
                                                  std::shared_ptr<hub::channel> channel,
                                                  const std::string& peer, const std::string& offer,
                                                  media::media_events events);
  void add_camera_peer_candidate(std::int64_t camera_id, const std::string& peer, unsigned mline,
                                 const std::string& candidate);
  void detach_camera_peer(std::int64_t camera_id, const std::string& peer);

  // Remote candidates (WHEP PATCH body). nullopt when applied.
  std::optional<session_error> add_candidates(const std::string& id, std::string_view fragment);
  // Ends a session (WHEP DELETE): false when there is none.
  bool close(const std::string& id, core::end_reason why);

  struct session_info {
    std::int64_t camera_id = 0;  // 0 for a robot's session
    std::int64_t robot_id = 0;   // 0 for a camera's session
    std::int64_t owner = 0;      // user id
  };
  std::optional<session_info> find(const std::string& id) const;

  struct counters {
    std::size_t sessions = 0;
    std::size_t encoders = 0;  // cameras with a media engine
    std::uint64_t frames_encoded = 0;
  };
  counters stats() const;

  // Ends every session and stops every engine (blocks).
  void shutdown();

 private:
  struct session;
  struct camera;
  struct direct_peer;
  class output;
  class picture_feed;

  whep_sessions(asio::any_io_executor io, asio::any_io_executor blocking,
                whep_sessions_options options);
  std::variant<std::shared_ptr<camera>, session_error> camera_for(
      std::int64_t camera_id, const std::shared_ptr<hub::channel>& channel);
  media::media_events events_for(std::int64_t camera_id);
  // Routes a peer's events: to a camera's direct peer (camera_id != 0) if it is one, else
  // to the WHEP session of that id.
  media::media_events peer_events(std::int64_t camera_id = 0);
  std::optional<media::media_events> direct_events(std::int64_t camera_id, const std::string& peer);
  bool close_direct(const std::string& key, core::end_reason why, std::string detail = {});
  std::shared_ptr<camera> leave_camera_locked(std::int64_t camera_id, const std::string& key,
                                              bool& last);
  std::variant<std::shared_ptr<session>, session_error> new_session(
      asio::any_io_executor ex, const std::string& id, const std::string& offer, std::int64_t owner,
      outputs::output_session::closed_handler on_closed);
  asio::awaitable<std::variant<opened_session, session_error>> answer_of(
      std::shared_ptr<session> s);
  void on_answer(const std::string& id, const std::string& sdp);
  void on_candidate(const std::string& id, unsigned mline, const std::string& candidate);
  void on_gathering_done(const std::string& id);
  void on_failed(const std::string& id, const std::string& why);
  void wake(const std::shared_ptr<session>& s);
  void schedule_linger(std::int64_t camera_id);
  void retire(std::shared_ptr<camera> cam);

  asio::any_io_executor io_;
  asio::any_io_executor blocking_;
  whep_sessions_options options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<session>> sessions_;
  std::map<std::int64_t, std::shared_ptr<camera>> cameras_;
  std::map<std::string, std::shared_ptr<direct_peer>> direct_;  // "<camera id>/<peer>"
  bool shut_down_ = false;
  std::shared_ptr<robot_relays> relays_;
};

}  // namespace camgate::webrtc
