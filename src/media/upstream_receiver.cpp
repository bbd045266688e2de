#include "media/upstream_receiver.hpp"

#include <algorithm>

#include <gst/app/gstappsink.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>

#include "core/logging.hpp"
#include "media/gst_util.hpp"
#include "media/ice_config.hpp"
#include "media/video_codec.hpp"

namespace camgate::media {

namespace {

// The robot must send its first picture within this long of our offer.
constexpr std::int64_t connect_timeout_us = 10'000'000;

// What a signal handler or promise needs to reach the receiver of one pipeline.
struct upstream_link {
  upstream_receiver* self;
  std::uint64_t generation;
};

std::string offer_caps(video_codec c) {
  if (c == video_codec::h264)
    return "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,"
           "packetization-mode=(string)1,profile-level-id=(string)" +
           std::string(default_profile_level_id) +
           ",level-asymmetry-allowed=(string)1,rtcp-fb-nack-pli=(boolean)true";
  return "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000,"
         "rtcp-fb-nack-pli=(boolean)true";
}

std::int64_t now_us() {
  return g_get_monotonic_time();
}

}  // namespace

upstream_receiver::upstream_receiver(const media_options& opts, main_loop& loop,
                                     source_owner& owner, feed_set& feeds)
    : opts_(opts),
      loop_(loop),
      owner_(owner),
      feeds_(feeds),
      life_(
          opts, loop, owner,
          {[this] { start_pipeline(); }, [this] { stop_pipeline(); }, [this] { check_stall(); }}) {}

upstream_receiver::~upstream_receiver() = default;

std::vector<video_codec> upstream_receiver::codecs() const {
  if (negotiated_) return {*negotiated_};
  return {};
}

// ---- the connection's life ----------------------------------------------------------

void upstream_receiver::start() {
  life_.start();
}

void upstream_receiver::stop() {
  life_.stop();
}

void upstream_receiver::restart() {
  if (!life_.started()) return;
  life_.reset_backoff();
  stop_pipeline();
  start_pipeline();
}

void upstream_receiver::start_pipeline() {
  life_.cancel_retry();
  const auto generation = ++generation_;
  negotiated_.reset();
  running_ = false;
  last_pts_ = GST_CLOCK_TIME_NONE;
  pipeline_.reset(gst_pipeline_new(nullptr));
  use_system_clock(pipeline_.get());
  webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  gst_util_set_object_arg(G_OBJECT(webrtc_), "bundle-policy", "max-bundle");
  gst_bin_add(GST_BIN(pipeline_.get()), webrtc_);
  configure_ice(webrtc_, opts_.ice_servers, opts_.ice_local_addresses);
  caps_ref caps(gst_caps_new_empty());
  for (auto c : opts_.codecs)
    gst_caps_append(caps.get(), gst_caps_from_string(offer_caps(c).c_str()));
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                        caps.get(), &trans);
  if (trans) gst_object_unref(trans);
  connect_signals();
  bus_watch_ = loop_.watch_bus(pipeline_.get(), [this, generation](GstMessage* m) {
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR && generation == generation_)
      failed(error_text(m));
  });
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    failed("the relay's webrtcbin did not start");
    return;
  }
  connect_deadline_us_ = now_us() + connect_timeout_us;
  owner_.source_changed(source_state::starting, "offer to the robot");
  GstPromise* promise = gst_promise_new_with_change_func(
      +[](GstPromise* pr, gpointer p) {
        auto* l = static_cast<upstream_link*>(p);
        GstWebRTCSessionDescription* offer = nullptr;
        if (gst_promise_wait(pr) == GST_PROMISE_RESULT_REPLIED)
          if (const GstStructure* r = gst_promise_get_reply(pr);
              r && gst_structure_has_field(r, "offer"))
            gst_structure_get(r, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
        gst_promise_unref(pr);
        auto* self = l->self;
        self->owner_.post([self, g = l->generation, offer] { self->offer_created(g, offer); });
      },
      new upstream_link{this, generation},
      [](gpointer p) { delete static_cast<upstream_link*>(p); });
  g_signal_emit_by_name(webrtc_, "create-offer", nullptr, promise);
}

void upstream_receiver::offer_created(std::uint64_t generation,
                                      GstWebRTCSessionDescription* offer) {
  if (generation != generation_ || !pipeline_) {
    if (offer) gst_webrtc_session_description_free(offer);
    return;
  }
  if (!offer) {
    failed("the relay could not make an offer");
    return;
  }
  gchar* text = gst_sdp_message_as_text(offer->sdp);
  const std::string sdp = text;
  g_free(text);
  g_signal_emit_by_name(webrtc_, "set-local-description", offer, nullptr);
  gst_webrtc_session_description_free(offer);
  owner_.upstream_offer(sdp);
}

bool upstream_receiver::set_answer(const std::string& sdp) {
  if (!pipeline_) return false;
  auto video = parse_video_offer(sdp);
  std::optional<video_codec> codec;
  if (video && !video->formats.empty()) codec = parse_video_codec(video->formats.front().encoding);
  if (!codec) {
    failed("the robot's answer has no H.264 or VP8 video");
    return false;
  }
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new(&msg);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                   static_cast<guint>(sdp.size()), msg) != GST_SDP_OK) {
    gst_sdp_message_free(msg);
    failed("the robot's answer is not valid SDP");
    return false;
  }
  auto* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  g_signal_emit_by_name(webrtc_, "set-remote-description", answer, nullptr);
  gst_webrtc_session_description_free(answer);
  negotiated_ = codec;
  spdlog::info("media: relay: the robot sends {}", to_string(*codec));
  owner_.upstream_negotiated();
  return true;
}

void upstream_receiver::add_candidate(unsigned mline, const std::string& candidate) {
  if (!pipeline_) return;
  std::string c = candidate;
  if (c.rfind("a=", 0) == 0) c.erase(0, 2);
  if (c.empty()) return;
  g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, c.c_str());
}

void upstream_receiver::failed(const std::string& why) {
  life_.failed(why, "relay: robot stream lost", "new offer in");
}

void upstream_receiver::check_stall() {
  if (!pipeline_) return;
  const auto now = now_us();
  if (!running_) {
    if (now > connect_deadline_us_)
      failed("no picture from the robot within " + std::to_string(connect_timeout_us / 1'000'000) +
             " s");
    return;
  }
  const auto idle_ms = (now - last_frame_us_.load()) / 1000;
  if (idle_ms > opts_.source_stall_timeout.count())
    failed("no picture for " + std::to_string(idle_ms) + " ms");
}

void upstream_receiver::stop_pipeline() {
  bus_watch_.reset();
  ++generation_;
  if (!pipeline_) return;
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  {
    std::lock_guard lock(mu_);
    sink_.reset();
    key_pending_ = false;
  }
  pipeline_.reset();
  webrtc_ = nullptr;
  negotiated_.reset();
  running_ = false;
}

// ---- webrtcbin's signals (its own threads) -----------------------------------------

void upstream_receiver::connect_signals() {
  auto connect = [this](const char* signal, GCallback cb) {
    g_signal_connect_data(
        webrtc_, signal, cb, new upstream_link{this, generation_},
        [](gpointer p, GClosure*) { delete static_cast<upstream_link*>(p); }, GConnectFlags(0));
  };
  connect("on-ice-candidate", G_CALLBACK(+[](GstElement*, guint mline, gchar* cand, gpointer p) {
            auto* l = static_cast<upstream_link*>(p);
            auto* self = l->self;
            self->owner_.post([self, g = l->generation, mline, c = std::string(cand ? cand : "")] {
              if (g == self->generation_) self->owner_.upstream_candidate(mline, c);
            });
          }));
  connect("notify::connection-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer p) {
            auto* l = static_cast<upstream_link*>(p);
            GstWebRTCPeerConnectionState st;
            g_object_get(w, "connection-state", &st, nullptr);
            if (st != GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) return;
            auto* self = l->self;
            self->owner_.post([self, g = l->generation] {
              if (g == self->generation_) self->failed("connection to the robot failed");
            });
          }));
  connect("pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer p) {
            auto* l = static_cast<upstream_link*>(p);
            if (l->generation == l->self->generation_) l->self->link_incoming(pad);
          }));
}

// The robot's RTP: depayloader [! h264parse] ! appsink, in a bin of its own.
void upstream_receiver::link_incoming(GstPad* pad) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  caps_ref caps(gst_pad_get_current_caps(pad));
  if (!caps) caps.reset(gst_pad_query_caps(pad, nullptr));
  const char* enc =
      gst_structure_get_string(gst_caps_get_structure(caps.get(), 0), "encoding-name");
  auto codec = parse_video_codec(enc ? enc : "");
  if (!codec) {
    spdlog::warn("media: relay: the robot sends {}, not H.264 or VP8", enc ? enc : "?");
    return;
  }
  const std::string desc =
      *codec == video_codec::h264
          ? "rtph264depay ! h264parse config-interval=-1 ! "
            "video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=relay_sink"
          : "rtpvp8depay ! appsink name=relay_sink";
  GError* err = nullptr;
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), TRUE, &err);
  if (err) {
    spdlog::warn("media: relay: {}", err->message);
    g_error_free(err);
    if (bin) gst_object_unref(bin);
    return;
  }
  gst_ref<GstElement> sink(gst_bin_get_by_name(GST_BIN(bin), "relay_sink"));
  g_object_set(sink.get(), "sync", FALSE, "async", FALSE, "max-buffers", 8u, "drop", TRUE, nullptr);
  GstAppSinkCallbacks cbs{};
  cbs.new_sample = +[](GstAppSink* s, gpointer p) -> GstFlowReturn {
    static_cast<upstream_receiver*>(p)->on_sample(GST_ELEMENT(s));
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink.get()), &cbs, this, nullptr);
  gst_bin_add(GST_BIN(pipeline_.get()), bin);
  gst_element_sync_state_with_parent(bin);
  gst_ref<GstPad> binsink(gst_element_get_static_pad(bin, "sink"));
  gst_pad_link(pad, binsink.get());
  std::lock_guard lock(mu_);
  sink_ = std::move(sink);
  sink_codec_ = *codec;
}

// ---- streaming threads -------------------------------------------------------------

void upstream_receiver::on_sample(GstElement* sink) {
  sample_ref sample(gst_app_sink_pull_sample(GST_APP_SINK(sink)));
  if (!sample) return;
  video_codec codec;
  {
    std::lock_guard lock(mu_);
    codec = sink_codec_;
    if (!GST_BUFFER_FLAG_IS_SET(gst_sample_get_buffer(sample.get()), GST_BUFFER_FLAG_DELTA_UNIT))
      key_pending_ = false;
  }
  // A sender that repeats SPS/PPS before each slice of a keyframe (rtph264pay with
  // config-interval=-1 on a multi-slice picture, as camgate-robot did) makes h264parse
  // split the picture; the later parts have no timestamp and belong to the part before.
  GstBuffer* buf = gst_sample_get_buffer(sample.get());
  if (GST_BUFFER_PTS_IS_VALID(buf)) {
    last_pts_ = GST_BUFFER_PTS(buf);
  } else if (last_pts_ != GST_CLOCK_TIME_NONE) {
    buffer_ref copy(gst_buffer_copy(buf));
    GST_BUFFER_PTS(copy.get()) = GST_BUFFER_DTS(copy.get()) = last_pts_;
    sample.reset(gst_sample_new(copy.get(), gst_sample_get_caps(sample.get()),
                                gst_sample_get_segment(sample.get()), nullptr));
  }
  ++frames_;
  last_frame_us_ = now_us();
  if (!running_.exchange(true))
    owner_.post([this, g = generation_.load()] {
      if (g != generation_) return;
      life_.reset_backoff();
      spdlog::info("media: relay: the robot's pictures arrive");
      owner_.source_changed(source_state::running, "");
    });
  const auto d =
      feeds_.deliver(codec, sample.get(), gst_element_get_base_time(sink), opts_.max_queued_frames);
  if (d.skipped) skipped_ += d.skipped;
  if (d.want_keyframe) force_keyframe(codec);
}

// ---- any thread --------------------------------------------------------------------

// A force-key-unit event up from the appsink: rtpsession turns it into a PLI to the robot.
void upstream_receiver::force_keyframe(video_codec c) {
  gst_ref<GstElement> sink;
  {
    std::lock_guard lock(mu_);
    if (!sink_ || sink_codec_ != c) return;
    const auto now = now_us();
    if (key_pending_ && now - key_requested_us_ < 1'000'000) return;
    key_pending_ = true;
    key_requested_us_ = now;
    sink = share_ref(sink_.get());
  }
  gst_ref<GstPad> pad(gst_element_get_static_pad(sink.get(), "sink"));
  ++keyframes_;
  gst_pad_push_event(pad.get(),
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

void upstream_receiver::report(media_stats& s) const {
  s.frames_captured = frames_;
  s.keyframes_requested = keyframes_;
  s.frames_skipped = skipped_;
  s.source_restarts = life_.restarts();
  s.source_running = running_;
}

}  // namespace camgate::media
