#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/frame.hpp"
#include "media/media_options.hpp"
#include "media/picture_sink.hpp"

namespace camgate::media {

enum class peer_state { connecting, connected, failed, closed };
enum class source_state { starting, running, failed };
std::string_view to_string(peer_state s);
std::string_view to_string(source_state s);

// Callbacks arrive on the engine's GLib thread (or a GStreamer streaming thread): copy
// what you need and post it to your own executor; never call back into the engine
// synchronously from them with blocking expectations. They must not throw.
struct media_events {
  std::function<void(const std::string& peer, const std::string& sdp)> on_answer;
  std::function<void(const std::string& peer, unsigned mline_index, const std::string& candidate)>
      on_candidate;
  std::function<void(const std::string& peer, peer_state state, const std::string& detail)>
      on_peer_state;
  // Our ICE candidates for that peer are all out (gathering complete).
  std::function<void(const std::string& peer)> on_gathering_done;
  std::function<void(source_state state, const std::string& detail)> on_source_state;
  // Source "relay": our offer for the robot (a new one after each failure or restart),
  // and our ICE candidates for it. Its answer and candidates come back through
  // set_upstream_answer and add_upstream_candidate.
  std::function<void(const std::string& sdp)> on_upstream_offer;
  std::function<void(unsigned mline_index, const std::string& candidate)> on_upstream_candidate;
};

struct media_stats {
  std::size_t peers = 0;              // viewers the engine holds
  std::int64_t webrtcbins_alive = 0;  // webrtcbin objects not yet finalized (process-wide)
  std::uint64_t bytes_sent = 0;       // to viewers, SRTP and SRTCP included (process-wide)
  std::uint64_t frames_captured = 0;  // raw frames out of the source (relay: frames received)
  std::uint64_t h264_frames_encoded = 0;
  std::uint64_t vp8_frames_encoded = 0;
  std::uint64_t keyframes_requested = 0;
  std::uint64_t frames_skipped = 0;  // frames a slow viewer skipped
  std::uint64_t source_restarts = 0;
  std::uint64_t pictures_decoded = 0;  // JPEG pictures made for set_picture_sink
  bool source_running = false;
};

// One camera's or robot's media: ONE source shared by every viewer: a capture with at
// most one encoder per codec (normally one), or, source "relay", the robot's own stream
// received once and passed on without decoding. Each viewer gets its own small pipeline (appsrc ->
// payloader -> webrtcbin) fed with the shared encoded frames, so a viewer that joins, leaves or
// fails never touches the capture or another viewer, and a camera restart keeps the
// viewers' connections up.
//
// Thread-safe: every public call is marshalled onto the engine's own GLib main loop.
class media_engine {
 public:
  // Calls gst_init if needed. Throws std::runtime_error when a required element
  // (webrtcbin, the encoders, the source) is missing.
  media_engine(media_options options, media_events events);
  ~media_engine();
  media_engine(const media_engine&) = delete;
  media_engine& operator=(const media_engine&) = delete;

  // Starts the capture (returns at once; the source state arrives by callback).
  void start();
  // Stops every peer and the capture; blocks until done. Called by the destructor.
  void stop();

  // A viewer's offer: builds its peer and answers through on_answer. A second offer
  // from the same peer replaces its connection.
  void handle_offer(const std::string& peer, const std::string& sdp);
  // A remote ICE candidate ("candidate:..." or "a=candidate:..."; empty = end of candidates).
  void add_remote_candidate(const std::string& peer, unsigned mline_index,
                            const std::string& candidate);
  // Closes and frees that viewer's peer at once.
  void remove_peer(const std::string& peer);
  void remove_all_peers();
  // Source "frames": one JPEG picture into the capture (any thread, never blocks). The
  // bytes are not copied; the engine holds `f` until decoded. Dropped while the capture
  // is not running or the decoder is two pictures behind (the newest wins).
  void push_frame(core::frame_ptr f);
  // Forces a keyframe out of every encoder (relay: asks the robot for one).
  void request_keyframe();
  // Source "relay": the robot's answer to on_upstream_offer's offer, its candidates, and
  // a new offer at once (the robot registered again). Viewers that offer before the
  // robot's answer wait for it: until then the relay does not know the codec.
  void set_upstream_answer(const std::string& sdp);
  void add_upstream_candidate(unsigned mline_index, const std::string& candidate);
  void restart_upstream();
  // Decodes the stream into JPEG pictures for `sink` (streaming thread, must not block),
  // from the next keyframe on; an empty sink stops decoding. Meant for source "relay":
  // a robot's pictures for the hub.
  void set_picture_sink(picture_sink sink, int jpeg_quality = 80);
  // Used for peers created from now on.
  void set_ice_servers(std::vector<ice_server> servers);

  media_stats stats() const;
  // Blocks until every call made before has been processed on the engine thread.
  void sync();

  // Process-wide count of webrtcbin objects created by engines and not finalized.
  static std::int64_t webrtcbins_alive();
  // True when a GStreamer element factory of that name exists.
  static bool has_element(const std::string& factory);
  // The gst-launch description of the capture pipeline these options give.
  static std::string capture_description(const media_options& options);

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace camgate::media
