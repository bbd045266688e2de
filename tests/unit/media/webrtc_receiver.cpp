#include "webrtc_receiver.hpp"

#include <future>
#include <stdexcept>
#include <thread>

#define GST_USE_UNSTABLE_API 1
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

namespace camgate::media::testing {
namespace {

bool has(const char* f) {
  GstElementFactory* e = gst_element_factory_find(f);
  if (!e) return false;
  gst_object_unref(e);
  return true;
}

const GstStructure* wait_reply(GstPromise* p) {
  if (gst_promise_wait(p) != GST_PROMISE_RESULT_REPLIED) return nullptr;
  return gst_promise_get_reply(p);
}

}  // namespace

webrtc_receiver::webrtc_receiver(options opts, candidate_fn on_candidate)
    : opts_(std::move(opts)), on_candidate_(std::move(on_candidate)) {
  if (!gst_is_initialized()) gst_init(nullptr, nullptr);
  pipeline_ = gst_pipeline_new(nullptr);
  webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  gst_util_set_object_arg(G_OBJECT(webrtc_), "bundle-policy", "max-bundle");
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
  if (!opts_.local_address.empty()) {
    GObject* ice = nullptr;
    g_object_get(webrtc_, "ice-agent", &ice, nullptr);
    gboolean ok = FALSE;
    g_signal_emit_by_name(ice, "add-local-ip-address", opts_.local_address.c_str(), &ok);
    g_object_unref(ice);
  }
  GstCaps* caps = gst_caps_new_empty();
  for (const auto& c : opts_.codecs) {
    const char* s = nullptr;
    if (c == "H264")
      s = "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,"
          "packetization-mode=(string)1,profile-level-id=(string)42e01f,"
          "level-asymmetry-allowed=(string)1,rtcp-fb-nack-pli=(boolean)true";
    else if (c == "H264-mode0")
      s = "application/x-rtp,media=video,encoding-name=H264,payload=103,clock-rate=90000,"
          "packetization-mode=(string)0,profile-level-id=(string)42e01f";
    else if (c == "VP8")
      s = "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000,"
          "rtcp-fb-nack-pli=(boolean)true";
    else
      throw std::invalid_argument("unknown codec " + c);
    gst_caps_append(caps, gst_caps_from_string(s));
  }
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                        caps, &trans);
  gst_caps_unref(caps);
  if (trans) gst_object_unref(trans);
  g_signal_connect(webrtc_, "on-ice-candidate",
                   G_CALLBACK(+[](GstElement*, guint mline, gchar* cand, gpointer self) {
                     auto* r = static_cast<webrtc_receiver*>(self);
                     if (cand && *cand) {
                       std::lock_guard lock(r->mu_);
                       r->local_candidates_.emplace_back(cand);
                     }
                     if (r->on_candidate_) r->on_candidate_(mline, cand);
                   }),
                   this);
  g_signal_connect(webrtc_, "pad-added", G_CALLBACK(&webrtc_receiver::on_pad_added), this);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

webrtc_receiver::~webrtc_receiver() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

std::string webrtc_receiver::create_offer() {
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "create-offer", nullptr, p);
  const GstStructure* r = wait_reply(p);
  GstWebRTCSessionDescription* offer = nullptr;
  if (r) gst_structure_get(r, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
  gst_promise_unref(p);
  if (!offer) throw std::runtime_error("receiver: no offer");
  gchar* text = gst_sdp_message_as_text(offer->sdp);
  std::string sdp = text;
  g_free(text);
  GstPromise* p2 = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-local-description", offer, p2);
  gst_promise_wait(p2);
  gst_promise_unref(p2);
  gst_webrtc_session_description_free(offer);
  return sdp;
}

bool webrtc_receiver::set_answer(const std::string& sdp) {
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new(&msg);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                   static_cast<guint>(sdp.size()), msg) != GST_SDP_OK) {
    gst_sdp_message_free(msg);
    return false;
  }
  auto* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, msg);
  GstPromise* p = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-remote-description", answer, p);
  const GstStructure* r = wait_reply(p);
  const bool ok = !r || !gst_structure_has_field(r, "error");
  gst_promise_unref(p);
  gst_webrtc_session_description_free(answer);
  return ok;
}

void webrtc_receiver::add_candidate(unsigned mline, const std::string& candidate) {
  if (candidate.empty()) return;
  g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, candidate.c_str());
}

std::string webrtc_receiver::trickle_fragment(const std::string& offer,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    GstWebRTCICEGatheringState st = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
    g_object_get(webrtc_, "ice-gathering-state", &st, nullptr);
    if (st == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE ||
        std::chrono::steady_clock::now() > deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string frag;
  if (const auto at = offer.find("a=mid:"); at != std::string::npos)
    frag = offer.substr(at, offer.find_first_of("\r\n", at) - at) + "\r\n";
  std::lock_guard lock(mu_);
  for (const auto& c : local_candidates_) frag += (c.starts_with("a=") ? "" : "a=") + c + "\r\n";
  return frag + "a=end-of-candidates\r\n";
}

void webrtc_receiver::on_pad_added(GstElement*, void* pad_ptr, void* self_ptr) {
  auto* self = static_cast<webrtc_receiver*>(self_ptr);
  auto* pad = static_cast<GstPad*>(pad_ptr);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* enc = gst_structure_get_string(s, "encoding-name");
  std::string codec = enc ? enc : "";
  gst_caps_unref(caps);
  {
    std::lock_guard lock(self->mu_);
    self->codec_ = codec;
  }
  // depay -> decoder -> videoconvert -> fakesink "out". H.264 goes through decodebin:
  // openh264dec refuses h264parse's first caps (no profile known yet).
  GstElement* bin = gst_bin_new(nullptr);
  GstElement* out = gst_element_factory_make("fakesink", "out");
  g_object_set(out, "sync", FALSE, nullptr);
  GstElement* first = out;
  if (self->opts_.decode) {
    GstElement* conv = gst_element_factory_make("videoconvert", nullptr);
    GstElement* depay =
        gst_element_factory_make(codec == "H264" ? "rtph264depay" : "rtpvp8depay", nullptr);
    GstElement* dec = codec == "H264" ? gst_element_factory_make(
                                            has("avdec_h264") ? "avdec_h264" : "decodebin", nullptr)
                                      : gst_element_factory_make("vp8dec", nullptr);
    gst_bin_add_many(GST_BIN(bin), depay, dec, conv, out, nullptr);
    gst_element_link(depay, dec);
    gst_element_link(conv, out);
    if (GST_IS_BIN(dec))  // decodebin: link when its pad appears
      g_signal_connect(dec, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* p, gpointer c) {
                         GstPad* sink = gst_element_get_static_pad(GST_ELEMENT(c), "sink");
                         if (!gst_pad_is_linked(sink)) gst_pad_link(p, sink);
                         gst_object_unref(sink);
                       }),
                       conv);
    else
      gst_element_link(dec, conv);
    first = depay;
  } else {
    gst_bin_add(GST_BIN(bin), out);
  }
  {
    GstPad* target = gst_element_get_static_pad(first, "sink");
    gst_element_add_pad(bin, gst_ghost_pad_new("sink", target));
    gst_object_unref(target);
  }
  gst_bin_add(GST_BIN(self->pipeline_), bin);
  gst_object_ref(out);
  GstPad* sink = gst_element_get_static_pad(out, "sink");
  gst_pad_add_probe(
      sink, GST_PAD_PROBE_TYPE_BUFFER,
      +[](GstPad* p, GstPadProbeInfo*, gpointer user) -> GstPadProbeReturn {
        int w = 0, h = 0;
        if (GstCaps* c = gst_pad_get_current_caps(p)) {
          const GstStructure* st = gst_caps_get_structure(c, 0);
          gst_structure_get_int(st, "width", &w);
          gst_structure_get_int(st, "height", &h);
          gst_caps_unref(c);
        }
        static_cast<webrtc_receiver*>(user)->count_frame(w, h);
        return GST_PAD_PROBE_OK;
      },
      self, nullptr);
  gst_object_unref(sink);
  gst_object_unref(out);
  gst_element_sync_state_with_parent(bin);
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_BUFFER,
      +[](GstPad*, GstPadProbeInfo* info, gpointer user) -> GstPadProbeReturn {
        if (GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info))
          static_cast<webrtc_receiver*>(user)->rtp_bytes_ += gst_buffer_get_size(b);
        return GST_PAD_PROBE_OK;
      },
      self, nullptr);
  GstPad* binsink = gst_element_get_static_pad(bin, "sink");
  gst_pad_link(pad, binsink);
  gst_object_unref(binsink);
}

void webrtc_receiver::count_frame(int w, int h) {
  width_ = w;
  height_ = h;
  if (frames_++ == 0) {
    std::lock_guard lock(mu_);
    first_frame_ = std::chrono::steady_clock::now();
  }
}

std::string webrtc_receiver::decoded_codec() const {
  std::lock_guard lock(mu_);
  return codec_;
}

std::optional<std::chrono::steady_clock::time_point> webrtc_receiver::first_frame_at() const {
  std::lock_guard lock(mu_);
  return first_frame_;
}

bool webrtc_receiver::wait_frames(std::uint64_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (frames_ < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace camgate::media::testing
