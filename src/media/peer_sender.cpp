#include "media/peer_sender.hpp"

#include <atomic>
#include <stdexcept>
#include <string_view>

#include <gst/video/video.h>

#include "media/gst_util.hpp"
#include "media/ice_config.hpp"

namespace camgate::media {

namespace {

std::atomic<std::int64_t> g_webrtcbins_alive{0};

void on_webrtcbin_finalized(gpointer, GObject*) {
  --g_webrtcbins_alive;
}

std::atomic<std::uint64_t> g_bytes_sent{0};

// What leaves through a nicesink (SRTP, SRTCP, retransmissions): what the host uploads.
GstPadProbeReturn count_sent(GstPad*, GstPadProbeInfo* info, gpointer) {
  if (GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info))
    g_bytes_sent += gst_buffer_get_size(b);
  else if (GstBufferList* l = GST_PAD_PROBE_INFO_BUFFER_LIST(info))
    g_bytes_sent += gst_buffer_list_calculate_size(l);
  return GST_PAD_PROBE_OK;
}

// webrtcbin makes its nicesink when the transport appears, deep inside its own bins.
void on_deep_element_added(GstBin*, GstBin*, GstElement* el, gpointer) {
  GstElementFactory* f = gst_element_get_factory(el);
  if (!f || g_strcmp0(GST_OBJECT_NAME(f), "nicesink") != 0) return;
  gst_ref<GstPad> pad(gst_element_get_static_pad(el, "sink"));
  if (pad)
    gst_pad_add_probe(
        pad.get(),
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        &count_sent, nullptr, nullptr);
}

// What a signal handler or a promise needs to reach its peer again.
struct peer_link {
  std::weak_ptr<peer_owner> owner;
  peer_key key;
};

void free_link(gpointer p) {
  delete static_cast<peer_link*>(p);
}

struct sdp_message_free {
  void operator()(GstSDPMessage* m) const { gst_sdp_message_free(m); }
};
using sdp_message_ptr = std::unique_ptr<GstSDPMessage, sdp_message_free>;

sdp_message_ptr parse_sdp(const std::string& text) {
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  sdp_message_ptr msg(raw);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(text.data()),
                                   static_cast<guint>(text.size()), msg.get()) != GST_SDP_OK)
    return nullptr;
  return msg;
}

// The text of the error a promise was replied with; "" when there is none.
std::string reply_error(const GstStructure* reply) {
  if (!reply || !gst_structure_has_field(reply, "error")) return {};
  GError* e = nullptr;
  gst_structure_get(reply, "error", G_TYPE_ERROR, &e, nullptr);
  if (!e) return {};
  std::string text = e->message;
  g_error_free(e);
  return text;
}

GstElement* make_appsrc(video_codec codec) {
  GstElement* src = gst_element_factory_make("appsrc", nullptr);
  caps_ref caps(gst_caps_from_string(codec == video_codec::h264
                                         ? "video/x-h264,stream-format=byte-stream,alignment=au"
                                         : "video/x-vp8"));
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "caps", caps.get(), "max-bytes",
               static_cast<guint64>(0), "block", FALSE, "min-latency", static_cast<gint64>(0),
               nullptr);
  return src;
}

GstElement* make_payloader(video_codec codec, int pt) {
  if (codec == video_codec::h264) {
    // Every source puts SPS/PPS before each keyframe (x264 repeats its headers, the
    // other paths run h264parse config-interval=-1). The payloader's own insertion
    // (-1) repeats them before every IDR slice, and a multi-slice keyframe then splits
    // in two at any receiver that finds picture boundaries (rtph264depay, h264parse).
    GstElement* pay = gst_element_factory_make("rtph264pay", nullptr);
    g_object_set(pay, "config-interval", 0, "pt", static_cast<guint>(pt), "mtu", 1200u, nullptr);
    gst_util_set_object_arg(G_OBJECT(pay), "aggregate-mode", "zero-latency");
    return pay;
  }
  GstElement* pay = gst_element_factory_make("rtpvp8pay", nullptr);
  g_object_set(pay, "pt", static_cast<guint>(pt), "mtu", 1200u, nullptr);
  gst_util_set_object_arg(G_OBJECT(pay), "picture-id-mode", "15-bit");
  return pay;
}

// webrtcbin's H.264 answer drops the offer's profile-level-id; a browser then assumes
// 42001f-less baseline level 1. Put back the one we were offered (and produce).
void complete_answer_fmtp(const offered_format& format, GstSDPMessage* sdp) {
  auto it = format.fmtp.find("profile-level-id");
  const std::string plid =
      it != format.fmtp.end() ? it->second : std::string(default_profile_level_id);
  const std::string prefix = std::to_string(format.payload) + " ";
  for (guint m = 0; m < gst_sdp_message_medias_len(sdp); ++m) {
    auto* media = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(sdp, m));
    if (std::string_view(gst_sdp_media_get_media(media)) != "video") continue;
    bool found = false;
    for (guint a = 0; a < gst_sdp_media_attributes_len(media); ++a) {
      const GstSDPAttribute* attr = gst_sdp_media_get_attribute(media, a);
      if (std::string_view(attr->key) != "fmtp" || !attr->value) continue;
      std::string value = attr->value;
      if (value.rfind(prefix, 0) != 0) continue;
      found = true;
      if (value.find("profile-level-id") != std::string::npos) continue;
      value += ";profile-level-id=" + plid;
      GstSDPAttribute repl;
      gst_sdp_attribute_set(&repl, "fmtp", value.c_str());
      gst_sdp_media_replace_attribute(media, a, &repl);
    }
    if (!found) {
      const std::string value = prefix + "packetization-mode=1;profile-level-id=" + plid;
      gst_sdp_media_add_attribute(media, "fmtp", value.c_str());
    }
  }
}

}  // namespace

void check_peer_elements() {
  if (!factory_exists("webrtcbin"))
    throw std::runtime_error("GStreamer webrtcbin is missing (install gstreamer1.0-plugins-bad)");
  if (!factory_exists("nicesrc"))
    throw std::runtime_error("GStreamer nice elements are missing (install gstreamer1.0-nice)");
}

std::uint64_t bytes_sent_to_viewers() {
  return g_bytes_sent;
}

std::int64_t live_webrtcbins() {
  return g_webrtcbins_alive;
}

// ---- building ----------------------------------------------------------------------

peer_sender::peer_sender(const peer_setup& setup, std::weak_ptr<peer_owner> owner)
    : key_(setup.key),
      codec_(setup.choice.codec),
      format_(setup.choice.format),
      owner_(std::move(owner)),
      pipeline_(gst_pipeline_new(nullptr)) {
  use_system_clock(pipeline_.get());
}

std::unique_ptr<peer_sender> peer_sender::create(const peer_setup& setup, const std::string& offer,
                                                 main_loop& loop, std::weak_ptr<peer_owner> owner,
                                                 std::string& error) {
  sdp_message_ptr offer_sdp = parse_sdp(offer);
  if (!offer_sdp) {
    error = "the offer is not valid SDP";
    return nullptr;
  }
  std::unique_ptr<peer_sender> p(new peer_sender(setup, std::move(owner)));
  GstElement* src = make_appsrc(p->codec_);
  GstElement* pay = make_payloader(p->codec_, p->format_.payload);
  p->webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  if (!src || !pay || !p->webrtc_) {
    error = "missing GStreamer elements (appsrc/payloader/webrtcbin)";
    return nullptr;
  }
  ++g_webrtcbins_alive;
  g_object_weak_ref(G_OBJECT(p->webrtc_), &on_webrtcbin_finalized, nullptr);
  gst_util_set_object_arg(G_OBJECT(p->webrtc_), "bundle-policy", "max-bundle");
  configure_ice(p->webrtc_, setup.ice_servers, setup.ice_local_addresses);
  g_signal_connect(p->pipeline_.get(), "deep-element-added", G_CALLBACK(&on_deep_element_added),
                   nullptr);
  p->link(src, pay);
  p->connect_signals();
  p->forward_keyframe_requests(src);
  p->bus_watch_ =
      loop.watch_bus(p->pipeline_.get(), [owner = p->owner_, key = p->key_](GstMessage* m) {
        if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR) return;
        if (auto o = owner.lock()) o->peer_failed(key, error_text(m));
      });
  gst_element_set_state(p->pipeline_.get(), GST_STATE_PLAYING);
  p->feed_ = std::make_shared<feed>(p->codec_, src);
  p->set_remote_description(offer_sdp.release());
  return p;
}

peer_sender::~peer_sender() {
  bus_watch_.reset();
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
}

// appsrc ! payloader ! webrtcbin, its transceiver send-only with our one format.
void peer_sender::link(GstElement* src, GstElement* pay) {
  gst_bin_add_many(GST_BIN(pipeline_.get()), src, pay, webrtc_, nullptr);
  gst_element_link(src, pay);
  gst_ref<GstPad> paysrc(gst_element_get_static_pad(pay, "src"));
  gst_ref<GstPad> sinkpad(gst_element_request_pad_simple(webrtc_, "sink_%u"));
  gst_pad_link(paysrc.get(), sinkpad.get());
  GstWebRTCRTPTransceiver* raw = nullptr;
  g_object_get(sinkpad.get(), "transceiver", &raw, nullptr);
  gst_ref<GstWebRTCRTPTransceiver> trans(raw);
  if (!trans) return;
  const char* enc = codec_ == video_codec::h264 ? "H264" : "VP8";
  caps_ref prefs(gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "video",
                                     "encoding-name", G_TYPE_STRING, enc, "payload", G_TYPE_INT,
                                     format_.payload, "clock-rate", G_TYPE_INT, 90000, nullptr));
  g_object_set(trans.get(), "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
               "codec-preferences", prefs.get(), nullptr);
}

// ---- webrtcbin's signals (its own threads) -----------------------------------------

void peer_sender::connect_signals() {
  auto connect = [this](const char* signal, GCallback cb) {
    g_signal_connect_data(
        webrtc_, signal, cb, new peer_link{owner_, key_},
        [](gpointer p, GClosure*) { free_link(p); }, GConnectFlags(0));
  };
  connect("on-ice-candidate", G_CALLBACK(+[](GstElement*, guint mline, gchar* cand, gpointer p) {
            auto* l = static_cast<peer_link*>(p);
            if (auto o = l->owner.lock()) o->peer_candidate(l->key.id, mline, cand ? cand : "");
          }));
  connect("notify::ice-gathering-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer p) {
            auto* l = static_cast<peer_link*>(p);
            GstWebRTCICEGatheringState st;
            g_object_get(w, "ice-gathering-state", &st, nullptr);
            if (st != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
            if (auto o = l->owner.lock()) o->peer_gathering_done(l->key.id);
          }));
  connect("notify::connection-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer p) {
            auto* l = static_cast<peer_link*>(p);
            GstWebRTCPeerConnectionState st;
            g_object_get(w, "connection-state", &st, nullptr);
            if (auto o = l->owner.lock())
              o->post([o = o.get(), key = l->key, st] { o->peer_connection_state(key, st); });
          }));
  // A viewer that goes away without a word (a closed tab, a lost network) keeps ICE up
  // for want of consent checks in this libnice: its receiver reports tell it is there.
  // rtpbin says each time one arrives (on-ssrc-active); the engine ends a connected peer
  // whose reports stopped (peer_sender::rtcp_silent_for).
  if (GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtc_), "rtpbin")) {
    g_signal_connect(rtpbin, "on-ssrc-active",
                     G_CALLBACK(+[](GstElement*, guint, guint, gpointer p) {
                       static_cast<std::atomic<std::int64_t>*>(p)->store(g_get_monotonic_time());
                     }),
                     &last_rtcp_us_);
    gst_object_unref(rtpbin);
  }
  connect("notify::ice-connection-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer p) {
            auto* l = static_cast<peer_link*>(p);
            GstWebRTCICEConnectionState st;
            g_object_get(w, "ice-connection-state", &st, nullptr);
            if (st != GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) return;
            if (auto o = l->owner.lock())
              o->post([o = o.get(), key = l->key] { o->peer_failed(key, "ICE failed"); });
          }));
}

// PLI / FIR from the viewer: rtpsession sends force-key-unit upstream; forward it.
void peer_sender::forward_keyframe_requests(GstElement* src) {
  struct keyframe_link {
    std::weak_ptr<peer_owner> owner;
    video_codec codec;
  };
  gst_ref<GstPad> pad(gst_element_get_static_pad(src, "src"));
  gst_pad_add_probe(
      pad.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer p) -> GstPadProbeReturn {
        GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
        if (!gst_video_event_is_force_key_unit(ev)) return GST_PAD_PROBE_OK;
        auto* l = static_cast<keyframe_link*>(p);
        if (auto o = l->owner.lock()) o->force_keyframe(l->codec);
        return GST_PAD_PROBE_DROP;
      },
      new keyframe_link{owner_, codec_}, [](gpointer p) { delete static_cast<keyframe_link*>(p); });
}

// ---- offer -> answer ---------------------------------------------------------------

void peer_sender::set_remote_description(GstSDPMessage* offer) {
  GstWebRTCSessionDescription* desc =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, offer);
  GstPromise* promise = gst_promise_new_with_change_func(
      +[](GstPromise* pr, gpointer p) {
        auto* l = static_cast<peer_link*>(p);
        const bool ok = gst_promise_wait(pr) == GST_PROMISE_RESULT_REPLIED;
        const std::string err = reply_error(gst_promise_get_reply(pr));
        gst_promise_unref(pr);
        if (auto o = l->owner.lock())
          o->post([o = o.get(), key = l->key, ok, err] {
            o->peer_remote_set(key, ok && err.empty(), err);
          });
      },
      new peer_link{owner_, key_}, &free_link);
  g_signal_emit_by_name(webrtc_, "set-remote-description", desc, promise);
  gst_webrtc_session_description_free(desc);
}

void peer_sender::create_answer() {
  GstPromise* promise = gst_promise_new_with_change_func(
      +[](GstPromise* pr, gpointer p) {
        auto* l = static_cast<peer_link*>(p);
        GstWebRTCSessionDescription* raw = nullptr;
        std::string err = "no answer";
        if (gst_promise_wait(pr) == GST_PROMISE_RESULT_REPLIED) {
          const GstStructure* r = gst_promise_get_reply(pr);
          if (r && gst_structure_has_field(r, "answer"))
            gst_structure_get(r, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &raw, nullptr);
          else if (auto e = reply_error(r); !e.empty())
            err = e;
        }
        gst_promise_unref(pr);
        answer_ptr answer(raw, [](GstWebRTCSessionDescription* a) {
          if (a) gst_webrtc_session_description_free(a);
        });
        if (auto o = l->owner.lock())
          o->post([o = o.get(), key = l->key, answer, err] {
            o->peer_answer_created(key, answer, err);
          });
      },
      new peer_link{owner_, key_}, &free_link);
  g_signal_emit_by_name(webrtc_, "create-answer", nullptr, promise);
}

std::string peer_sender::answer_text(GstWebRTCSessionDescription& answer) const {
  if (codec_ == video_codec::h264) complete_answer_fmtp(format_, answer.sdp);
  gchar* text = gst_sdp_message_as_text(answer.sdp);
  std::string sdp = text;
  g_free(text);
  return sdp;
}

void peer_sender::set_local_description(GstWebRTCSessionDescription* answer) {
  g_signal_emit_by_name(webrtc_, "set-local-description", answer, nullptr);
}

void peer_sender::add_candidate(unsigned mline, const std::string& candidate) {
  std::string c = candidate;
  if (c.rfind("a=", 0) == 0) c.erase(0, 2);
  if (c.empty()) return;  // end of candidates: nothing to do for webrtcbin
  g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, c.c_str());
}

}  // namespace camgate::media
