#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API 1
#endif
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "media/feed.hpp"
#include "media/gst_ref.hpp"
#include "media/main_loop.hpp"
#include "media/media_options.hpp"
#include "media/video_codec.hpp"

namespace camgate::media {

// Throws std::runtime_error when webrtcbin or the nice elements are not installed.
void check_peer_elements();
// Process-wide count of webrtcbin objects peer senders created and not finalized.
std::int64_t live_webrtcbins();
// Process-wide bytes every peer sender's network sink sent (SRTP and SRTCP).
std::uint64_t bytes_sent_to_viewers();

// One connection of a viewer. A new offer from the same viewer is a new generation, so
// a late callback of the old connection finds nothing.
struct peer_key {
  std::string id;
  std::uint64_t generation = 0;
};

// An answer webrtcbin created, freed with its last holder.
using answer_ptr = std::shared_ptr<GstWebRTCSessionDescription>;

// The engine as its peer senders see it. GStreamer threads reach it through a weak
// pointer, so a signal or promise that outlives the engine does nothing.
class peer_owner {
 public:
  // Any thread: runs fn later on the GLib thread, unless the engine is gone by then.
  virtual void post(std::function<void()> fn) = 0;

  // GStreamer threads.
  virtual void peer_candidate(const std::string& id, unsigned mline,
                              const std::string& candidate) = 0;
  virtual void peer_gathering_done(const std::string& id) = 0;
  virtual void force_keyframe(video_codec codec) = 0;

  // GLib thread. The peer may be gone or replaced by then: look it up by key.
  virtual void peer_remote_set(const peer_key& peer, bool ok, const std::string& error) = 0;
  virtual void peer_answer_created(const peer_key& peer, answer_ptr answer,
                                   const std::string& error) = 0;
  virtual void peer_connection_state(const peer_key& peer, GstWebRTCPeerConnectionState state) = 0;
  // Takes the key by value: it may live in the peer this call destroys.
  virtual void peer_failed(peer_key peer, const std::string& why) = 0;

 protected:
  ~peer_owner() = default;
};

// What one viewer's sender is made of.
struct peer_setup {
  peer_key key;
  codec_choice choice;  // the codec we send and the offer's format we answer with
  std::vector<ice_server> ice_servers;
  std::vector<std::string> ice_local_addresses;
};

// One viewer's sending side: its own small pipeline, appsrc ! RTP payloader ! webrtcbin,
// which the capture's encoder feeds through frame_feed(). Engine (GLib) thread only.
class peer_sender {
 public:
  // Builds and starts the pipeline and sets the offer as remote description; the owner
  // hears of it through peer_remote_set. nullptr, and why in `error`, when it cannot.
  static std::unique_ptr<peer_sender> create(const peer_setup& setup, const std::string& offer,
                                             main_loop& loop, std::weak_ptr<peer_owner> owner,
                                             std::string& error);
  ~peer_sender();  // stops and frees the pipeline
  peer_sender(const peer_sender&) = delete;
  peer_sender& operator=(const peer_sender&) = delete;

  std::uint64_t generation() const { return key_.generation; }
  video_codec codec() const { return codec_; }
  const std::shared_ptr<feed>& frame_feed() const { return feed_; }
  bool connected() const { return connected_; }
  void set_connected() {
    connected_ = true;
    last_rtcp_us_ = g_get_monotonic_time();  // the viewer's reports are due from now on
  }
  // How long no RTCP came from the viewer (0 before it connected).
  std::int64_t rtcp_silent_ms() const {
    return connected_ ? (g_get_monotonic_time() - last_rtcp_us_.load()) / 1000 : 0;
  }

  // The owner hears of the answer through peer_answer_created.
  void create_answer();
  // The answer's text, with the H.264 fmtp webrtcbin left out put back.
  std::string answer_text(GstWebRTCSessionDescription& answer) const;
  // Starts gathering ICE candidates.
  void set_local_description(GstWebRTCSessionDescription* answer);
  // "candidate:..." or "a=candidate:..."; empty = end of candidates.
  void add_candidate(unsigned mline, const std::string& candidate);

 private:
  peer_sender(const peer_setup& setup, std::weak_ptr<peer_owner> owner);

  void link(GstElement* src, GstElement* pay);
  void connect_signals();
  void forward_keyframe_requests(GstElement* src);
  void set_remote_description(GstSDPMessage* offer);  // takes `offer`

  const peer_key key_;
  const video_codec codec_;
  const offered_format format_;
  const std::weak_ptr<peer_owner> owner_;
  std::shared_ptr<feed> feed_;
  gst_ref<GstElement> pipeline_;
  GstElement* webrtc_ = nullptr;  // borrowed from pipeline_
  attached_source bus_watch_;
  bool connected_ = false;
  // Set by rtpbin's streaming thread; the webrtcbin (and its signal) dies with this peer.
  std::atomic<std::int64_t> last_rtcp_us_{0};
};

}  // namespace camgate::media
