#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API 1
#endif
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include "media/feed.hpp"
#include "media/gst_ref.hpp"
#include "media/main_loop.hpp"
#include "media/media_options.hpp"
#include "media/picture_source.hpp"
#include "media/source_life.hpp"

namespace camgate::media {

// Source "relay": the gateway as the robot's one viewer. A receive-only webrtcbin offers
// the codecs of the options; the robot's answer picks one; what arrives is depayloaded
// (never decoded) into access units that go to every viewer's feed, so the robot uploads
// one stream whatever the number of viewers. A viewer's keyframe request becomes one PLI
// to the robot (at most one a second while none arrives). A connection that fails or
// stalls is rebuilt, with a new offer, after a capped backoff until stop().
class upstream_receiver final : public picture_source {
 public:
  upstream_receiver(const media_options& opts, main_loop& loop, source_owner& owner,
                    feed_set& feeds);
  ~upstream_receiver() override;

  std::vector<video_codec> codecs() const override;
  void start() override;
  void stop() override;
  void set_watched(std::set<video_codec>) override {}
  bool set_answer(const std::string& sdp) override;
  void add_candidate(unsigned mline, const std::string& candidate) override;
  void restart() override;
  void force_keyframe(video_codec c) override;
  void report(media_stats& s) const override;

 private:
  // GLib thread.
  void start_pipeline();
  void stop_pipeline();
  void failed(const std::string& why);
  void check_stall();
  void connect_signals();
  void offer_created(std::uint64_t generation, GstWebRTCSessionDescription* offer);
  // Streaming threads.
  void link_incoming(GstPad* pad);
  void on_sample(GstElement* sink);

  const media_options& opts_;
  main_loop& loop_;
  source_owner& owner_;
  feed_set& feeds_;

  // GLib thread.
  source_life life_;
  gst_ref<GstElement> pipeline_;
  GstElement* webrtc_ = nullptr;  // borrowed from pipeline_
  attached_source bus_watch_;
  std::int64_t connect_deadline_us_ = 0;
  std::optional<video_codec> negotiated_;

  // Shared with streaming threads.
  std::atomic<std::uint64_t> generation_{0};  // the pipeline's; callbacks of older ones do nothing
  mutable std::mutex mu_;
  gst_ref<GstElement> sink_;  // guarded by mu_: the appsink, once the robot's stream arrived
  video_codec sink_codec_ = video_codec::h264;  // guarded by mu_
  bool key_pending_ = false;                    // guarded by mu_
  std::int64_t key_requested_us_ = 0;           // guarded by mu_
  std::atomic<std::int64_t> last_frame_us_{0};
  GstClockTime last_pts_ = GST_CLOCK_TIME_NONE;  // the streaming thread's
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> frames_{0}, keyframes_{0}, skipped_{0};
};

}  // namespace camgate::media
