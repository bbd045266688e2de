#include "media/media_engine.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#define GST_USE_UNSTABLE_API 1
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include "core/backoff.hpp"
#include "core/logging.hpp"
#include "media/clock_overlay.hpp"

namespace camgate::media {

std::string_view to_string(peer_state s) {
  switch (s) {
    case peer_state::connecting:
      return "connecting";
    case peer_state::connected:
      return "connected";
    case peer_state::failed:
      return "failed";
    case peer_state::closed:
      return "closed";
  }
  return "?";
}
std::string_view to_string(source_state s) {
  switch (s) {
    case source_state::starting:
      return "starting";
    case source_state::running:
      return "running";
    case source_state::failed:
      return "failed";
  }
  return "?";
}

namespace {

std::atomic<std::int64_t> g_webrtcbins_alive{0};

void on_webrtcbin_finalized(gpointer, GObject*) {
  --g_webrtcbins_alive;
}

void ensure_gst_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!gst_is_initialized()) gst_init(nullptr, nullptr);
  });
}

bool factory_exists(const char* name) {
  ensure_gst_init();
  GstElementFactory* f = gst_element_factory_find(name);
  if (!f) return false;
  gst_object_unref(f);
  return true;
}

std::string error_text(GstMessage* msg) {
  GError* err = nullptr;
  gchar* dbg = nullptr;
  gst_message_parse_error(msg, &err, &dbg);
  std::string text = err ? err->message : "unknown error";
  if (GST_MESSAGE_SRC(msg)) text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + text;
  if (err) g_error_free(err);
  g_free(dbg);
  return text;
}

// "turn:host:port?transport=udp" + user/pass -> "turn://user:pass@host:port?transport=udp"
std::string gst_ice_uri(const std::string& url, const std::string& user, const std::string& pass) {
  const auto colon = url.find(':');
  if (colon == std::string::npos) return {};
  const std::string scheme = url.substr(0, colon);
  std::string rest = url.substr(colon + 1);
  while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  if (scheme == "stun" || scheme == "stuns") return "stun://" + rest;
  if (scheme != "turn" && scheme != "turns") return {};
  auto esc = [](const std::string& s) {
    gchar* e = g_uri_escape_string(s.c_str(), nullptr, FALSE);
    std::string out = e;
    g_free(e);
    return out;
  };
  return scheme + "://" + esc(user) + ":" + esc(pass) + "@" + rest;
}

using clock_type = std::chrono::steady_clock;

}  // namespace

// A viewer's encoded-frame feed, shared with the encoder's streaming thread.
struct feed {
  video_codec codec;
  GstElement* appsrc = nullptr;  // owned reference
  std::atomic<bool> wait_keyframe{true};
  feed(video_codec c, GstElement* src) : codec(c), appsrc(GST_ELEMENT(gst_object_ref(src))) {}
  ~feed() { gst_object_unref(appsrc); }
};
using feed_list = std::vector<std::shared_ptr<feed>>;

struct viewer {
  std::string id;
  std::uint64_t generation = 0;
  video_codec codec = video_codec::h264;
  offered_format format;  // the offer's format we answer with
  GstElement* pipeline = nullptr;
  GstElement* webrtc = nullptr;  // borrowed from pipeline
  GSource* bus_watch = nullptr;
  std::shared_ptr<feed> feed_;
  bool connected = false;
};

struct encoder_branch {
  video_codec codec;
  GstElement* valve = nullptr;    // borrowed from the capture pipeline
  GstElement* encoder = nullptr;  // borrowed
  std::atomic<bool> key_pending{false};
  clock_type::time_point key_requested_at{};
  std::atomic<std::uint64_t> frames{0};
};

struct media_engine::impl : std::enable_shared_from_this<media_engine::impl> {
  media_options opts;
  media_events events;

  GMainContext* ctx = nullptr;
  GMainLoop* loop = nullptr;
  std::thread thread;
  std::atomic<bool> running{false};

  // Engine-thread state.
  std::map<std::string, std::unique_ptr<viewer>> viewers;
  std::uint64_t next_generation = 1;
  GstElement* capture = nullptr;
  GSource* capture_watch = nullptr;
  GSource* retry_timer = nullptr;
  GSource* watchdog = nullptr;
  core::backoff source_retry{{}, {}};  // from opts, in media_engine's constructor
  bool started = false;
  std::string h264_factory;  // chosen H.264 encoder

  // Shared with streaming threads.
  mutable std::mutex mu;
  std::shared_ptr<const feed_list> feeds = std::make_shared<feed_list>();
  std::vector<ice_server> ice_servers;
  std::map<video_codec, std::unique_ptr<encoder_branch>> branches;  // set while capture exists
  GstElement* input = nullptr;  // owned: source "frames"' appsrc while the capture exists
  std::atomic<std::int64_t> last_frame_ns{0};
  std::atomic<bool> source_running{false};
  std::atomic<std::uint64_t> frames_captured{0}, h264_frames{0}, vp8_frames{0}, keyframes{0},
      skipped{0}, restarts{0};
  std::atomic<std::size_t> peer_count{0};

  // ---- marshalling ------------------------------------------------------------------
  void invoke(std::function<void()> fn) {
    auto* heap = new std::function<void()>(std::move(fn));
    g_main_context_invoke_full(
        ctx, G_PRIORITY_DEFAULT,
        [](gpointer p) -> gboolean {
          try {
            (*static_cast<std::function<void()>*>(p))();
          } catch (const std::exception& e) {
            spdlog::error("media: {}", e.what());
          }
          return G_SOURCE_REMOVE;
        },
        heap, [](gpointer p) { delete static_cast<std::function<void()>*>(p); });
  }
  // Runs fn on the engine thread later (never inline), e.g. from a GStreamer thread.
  void post(std::function<void()> fn) {
    GSource* src = g_idle_source_new();
    auto* heap = new std::function<void()>(std::move(fn));
    g_source_set_callback(
        src,
        [](gpointer p) -> gboolean {
          try {
            (*static_cast<std::function<void()>*>(p))();
          } catch (const std::exception& e) {
            spdlog::error("media: {}", e.what());
          }
          return G_SOURCE_REMOVE;
        },
        heap, [](gpointer p) { delete static_cast<std::function<void()>*>(p); });
    g_source_attach(src, ctx);
    g_source_unref(src);
  }
  GSource* add_timeout(unsigned ms, std::function<bool()> fn) {
    GSource* src = g_timeout_source_new(ms);
    auto* heap = new std::function<bool()>(std::move(fn));
    g_source_set_callback(
        src,
        [](gpointer p) -> gboolean {
          return (*static_cast<std::function<bool()>*>(p))() ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
        },
        heap, [](gpointer p) { delete static_cast<std::function<bool()>*>(p); });
    g_source_attach(src, ctx);
    return src;  // caller owns one reference
  }
  static void drop_source(GSource*& src) {
    if (!src) return;
    g_source_destroy(src);
    g_source_unref(src);
    src = nullptr;
  }
  GSource* watch_bus(GstElement* pipeline, std::function<void(GstMessage*)> fn) {
    GstBus* bus = gst_element_get_bus(pipeline);
    GSource* src = gst_bus_create_watch(bus);
    gst_object_unref(bus);
    auto* heap = new std::function<void(GstMessage*)>(std::move(fn));
    GstBusFunc fn_ptr = +[](GstBus*, GstMessage* m, gpointer p) -> gboolean {
      (*static_cast<std::function<void(GstMessage*)>*>(p))(m);
      return G_SOURCE_CONTINUE;
    };
    // A bus watch source calls a GstBusFunc through the GSourceFunc slot.
    g_source_set_callback(
        src, reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(fn_ptr)), heap,
        [](gpointer p) { delete static_cast<std::function<void(GstMessage*)>*>(p); });
    g_source_attach(src, ctx);
    return src;
  }

  void notify_source(source_state s, const std::string& detail) {
    if (events.on_source_state) try {
        events.on_source_state(s, detail);
      } catch (...) {
      }
  }
  void notify_peer(const std::string& id, peer_state s, const std::string& detail) {
    if (events.on_peer_state) try {
        events.on_peer_state(id, s, detail);
      } catch (...) {
      }
  }

  // ---- capture ----------------------------------------------------------------------
  std::string encoder_description(video_codec c) const {
    const int key_int = std::max(1, opts.fps * 2);
    if (c == video_codec::vp8) {
      return "vp8enc name=enc_vp8 deadline=1 cpu-used=8 threads=2 lag-in-frames=0 "
             "end-usage=cbr error-resilient=default keyframe-max-dist=" +
             std::to_string(key_int) +
             " target-bitrate=" + std::to_string(opts.bitrate_kbps * 1000);
    }
    if (h264_factory == "v4l2h264enc") {
      return "v4l2h264enc name=enc_h264 extra-controls=\"controls,video_bitrate=" +
             std::to_string(opts.bitrate_kbps * 1000) +
             ",h264_i_frame_period=" + std::to_string(key_int) +
             ",repeat_sequence_header=1\" ! video/x-h264,level=(string)4,profile=(string)"
             "constrained-baseline ! h264parse config-interval=-1 ! "
             "video/x-h264,stream-format=byte-stream,alignment=au";
    }
    return "x264enc name=enc_h264 tune=zerolatency speed-preset=ultrafast bitrate=" +
           std::to_string(opts.bitrate_kbps) + " key-int-max=" + std::to_string(key_int) +
           " byte-stream=true ! video/x-h264,profile=constrained-baseline,"
           "stream-format=byte-stream,alignment=au";
  }

  std::vector<video_codec> usable_codecs() const {
    std::vector<video_codec> out;
    for (auto c : opts.codecs) {
      if (std::find(out.begin(), out.end(), c) != out.end()) continue;
      if (c == video_codec::h264 && h264_factory.empty()) continue;
      if (c == video_codec::vp8 && !factory_exists("vp8enc")) continue;
      out.push_back(c);
    }
    return out;
  }

  std::string full_capture_description() const {
    std::string d = capture_description(opts) + " ! tee name=raw allow-not-linked=true";
    for (auto c : usable_codecs()) {
      const std::string n(to_string(c));
      d += " raw. ! queue name=q_" + n +
           " leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! valve "
           "name=valve_" +
           n + " drop=true ! " + encoder_description(c) + " ! appsink name=sink_" + n +
           " sync=false async=false max-buffers=8 drop=true emit-signals=false";
    }
    return d;
  }

  static GstPadProbeReturn on_raw_frame(GstPad*, GstPadProbeInfo*, gpointer user) {
    auto* self = static_cast<impl*>(user);
    ++self->frames_captured;
    self->last_frame_ns = g_get_monotonic_time() * 1000;
    if (!self->source_running.exchange(true)) {
      auto weak = self->weak_from_this();
      self->post([weak] {
        if (auto s = weak.lock()) {
          s->source_retry.reset();
          if (s->opts.source == "frames")
            spdlog::info("media: source running (pictures from the camera)");
          else
            spdlog::info("media: source running ({}x{} at {} fps)", s->opts.width,
                         s->opts.height, s->opts.fps);
          s->notify_source(source_state::running, "");
        }
      });
    }
    return GST_PAD_PROBE_OK;
  }

  static GstPadProbeReturn on_overlay(GstPad* pad, GstPadProbeInfo* info, gpointer) {
    GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!buf) return GST_PAD_PROBE_OK;
    GstCaps* caps = gst_pad_get_current_caps(pad);
    if (!caps) return GST_PAD_PROBE_OK;
    GstVideoInfo vinfo;
    const bool ok = gst_video_info_from_caps(&vinfo, caps);
    gst_caps_unref(caps);
    if (!ok) return GST_PAD_PROBE_OK;
    buf = gst_buffer_make_writable(buf);
    GST_PAD_PROBE_INFO_DATA(info) = buf;
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &vinfo, buf, GST_MAP_WRITE)) return GST_PAD_PROBE_OK;
    const int w = GST_VIDEO_FRAME_WIDTH(&frame), h = GST_VIDEO_FRAME_HEIGHT(&frame);
    const int scale = std::max(1, h / 180);
    draw_text_luma(static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
                   GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0), w, h, 2 * scale, 2 * scale, scale,
                   wall_clock_text());
    gst_video_frame_unmap(&frame);
    return GST_PAD_PROBE_OK;
  }

  static GstFlowReturn on_encoded_sample(GstAppSink* sink, gpointer user) {
    auto* branch = static_cast<encoder_branch*>(user);
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (!sample) return GST_FLOW_OK;
    auto* self = static_cast<impl*>(g_object_get_data(G_OBJECT(sink), "camgate-engine"));
    GstBuffer* buf = gst_sample_get_buffer(sample);
    GstCaps* caps = gst_sample_get_caps(sample);
    const bool key = !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
    if (key) branch->key_pending = false;
    ++branch->frames;
    ++(branch->codec == video_codec::h264 ? self->h264_frames : self->vp8_frames);
    const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(sink));
    // Encoders may shift timestamps (GstVideoEncoder adds 1000 h): use running time.
    GstClockTime pts = GST_BUFFER_PTS(buf);
    if (const GstSegment* seg = gst_sample_get_segment(sample); seg && pts != GST_CLOCK_TIME_NONE)
      pts = gst_segment_to_running_time(seg, GST_FORMAT_TIME, pts);
    std::shared_ptr<const feed_list> list;
    {
      std::lock_guard lock(self->mu);
      list = self->feeds;
    }
    bool want_key = false;
    for (const auto& f : *list) {
      if (f->codec != branch->codec) continue;
      if (GST_STATE(f->appsrc) != GST_STATE_PLAYING) continue;
      if (f->wait_keyframe.load()) {
        if (!key) {
          want_key = true;
          continue;
        }
        f->wait_keyframe = false;
      }
      if (gst_app_src_get_current_level_buffers(GST_APP_SRC(f->appsrc)) >
          self->opts.max_queued_frames) {
        f->wait_keyframe = true;  // skip to the next keyframe rather than fall behind
        ++self->skipped;
        want_key = true;
        continue;
      }
      GstBuffer* copy = gst_buffer_copy(buf);  // shares the encoded bytes
      if (pts != GST_CLOCK_TIME_NONE) {
        // Same system clock everywhere: capture running time -> the viewer's running time.
        const GstClockTime vbase = gst_element_get_base_time(f->appsrc);
        const GstClockTime abs = base + pts;
        const GstClockTime vpts = abs > vbase ? abs - vbase : 0;
        GST_BUFFER_PTS(copy) = vpts;
        GST_BUFFER_DTS(copy) = vpts;
      }
      GstSample* out = gst_sample_new(copy, caps, nullptr, nullptr);
      gst_app_src_push_sample(GST_APP_SRC(f->appsrc), out);
      gst_sample_unref(out);
      gst_buffer_unref(copy);
    }
    gst_sample_unref(sample);
    if (want_key) self->force_keyframe(branch->codec);
    return GST_FLOW_OK;
  }

  // Any thread. At most one request in flight per encoder (re-sent after 1 s).
  // Holds mu so the branch (and its encoder) cannot go away meanwhile.
  void force_keyframe(video_codec c) {
    std::lock_guard lock(mu);
    auto it = branches.find(c);
    if (it == branches.end()) return;
    encoder_branch& b = *it->second;
    const auto now = clock_type::now();
    if (b.key_pending && now - b.key_requested_at < std::chrono::seconds(1)) return;
    b.key_pending = true;
    b.key_requested_at = now;
    GstPad* src = gst_element_get_static_pad(b.encoder, "src");
    if (!src) return;
    ++keyframes;
    gst_pad_send_event(src,
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(src);
  }

  void start_capture() {
    drop_source(retry_timer);
    const std::string desc = full_capture_description();
    spdlog::debug("media: capture pipeline: {}", desc);
    GError* err = nullptr;
    GstElement* p = gst_parse_launch(desc.c_str(), &err);
    if (err) {
      std::string msg = err->message;
      g_error_free(err);
      if (p) gst_object_unref(p);
      capture_failed("cannot build the capture pipeline: " + msg);
      return;
    }
    capture = p;
    {
      GstClock* sysclock = gst_system_clock_obtain();
      gst_pipeline_use_clock(GST_PIPELINE(capture), sysclock);
      gst_object_unref(sysclock);
    }
    GstElement* tee = gst_bin_get_by_name(GST_BIN(capture), "raw");
    GstPad* tee_sink = gst_element_get_static_pad(tee, "sink");
    gst_pad_add_probe(tee_sink, GST_PAD_PROBE_TYPE_BUFFER, &impl::on_raw_frame, this, nullptr);
    // EOS never reaches a sink behind a closed valve: catch it where the source ends.
    gst_pad_add_probe(
        tee_sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        +[](GstPad*, GstPadProbeInfo* info, gpointer user) -> GstPadProbeReturn {
          if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_EOS)
            return GST_PAD_PROBE_OK;
          auto* self = static_cast<impl*>(user);
          self->post([weak = self->weak_from_this()] {
            if (auto s = weak.lock(); s && s->capture) s->capture_failed("the source ended");
          });
          return GST_PAD_PROBE_OK;
        },
        this, nullptr);
    gst_object_unref(tee_sink);
    gst_object_unref(tee);
    if (GstElement* ov = gst_bin_get_by_name(GST_BIN(capture), "camgate_clock")) {
      GstPad* pad = gst_element_get_static_pad(ov, "src");
      gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &impl::on_overlay, nullptr, nullptr);
      gst_object_unref(pad);
      gst_object_unref(ov);
    }
    {
      std::lock_guard lock(mu);
      branches.clear();
      for (auto c : usable_codecs()) {
        const std::string n(to_string(c));
        auto b = std::make_unique<encoder_branch>();
        b->codec = c;
        b->valve = gst_bin_get_by_name(GST_BIN(capture), ("valve_" + n).c_str());
        b->encoder = gst_bin_get_by_name(GST_BIN(capture), ("enc_" + n).c_str());
        // Borrowed: the pipeline keeps them alive as long as the branch exists.
        gst_object_unref(b->valve);
        gst_object_unref(b->encoder);
        GstElement* sink = gst_bin_get_by_name(GST_BIN(capture), ("sink_" + n).c_str());
        g_object_set_data(G_OBJECT(sink), "camgate-engine", this);
        GstAppSinkCallbacks cbs{};
        cbs.new_sample = &impl::on_encoded_sample;
        gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cbs, b.get(), nullptr);
        gst_object_unref(sink);
        branches[c] = std::move(b);
      }
      input = gst_bin_get_by_name(GST_BIN(capture), "camgate_in");
    }
    update_valves();
    capture_watch = watch_bus(capture, [this](GstMessage* m) {
      switch (GST_MESSAGE_TYPE(m)) {
        case GST_MESSAGE_ERROR:
          capture_failed(error_text(m));
          break;
        case GST_MESSAGE_EOS:
          capture_failed("the source ended");
          break;
        case GST_MESSAGE_WARNING: {
          GError* e = nullptr;
          gst_message_parse_warning(m, &e, nullptr);
          spdlog::warn("media: capture: {}", e ? e->message : "?");
          if (e) g_error_free(e);
          break;
        }
        default:
          break;
      }
    });
    source_running = false;
    last_frame_ns = g_get_monotonic_time() * 1000;
    notify_source(source_state::starting, opts.source);
    const auto r = gst_element_set_state(capture, GST_STATE_PLAYING);
    if (r == GST_STATE_CHANGE_FAILURE) {
      // The bus normally carries the reason; give it a moment to arrive.
      GstBus* bus = gst_element_get_bus(capture);
      GstMessage* m = gst_bus_timed_pop_filtered(bus, 0, GST_MESSAGE_ERROR);
      gst_object_unref(bus);
      std::string why = m ? error_text(m) : "the source did not start";
      if (m) gst_message_unref(m);
      capture_failed(why);
      return;
    }
    // Every viewer needs a fresh keyframe from the new encoder.
    std::shared_ptr<const feed_list> list;
    {
      std::lock_guard lock(mu);
      list = feeds;
    }
    for (const auto& f : *list) f->wait_keyframe = true;
  }

  void stop_capture() {
    drop_source(capture_watch);
    if (!capture) return;
    gst_element_set_state(capture, GST_STATE_NULL);
    {
      std::lock_guard lock(mu);
      branches.clear();
      if (input) gst_object_unref(input);
      input = nullptr;
    }
    gst_object_unref(capture);
    capture = nullptr;
    source_running = false;
  }

  void capture_failed(const std::string& why) {
    stop_capture();
    if (!started) return;
    const auto delay = source_retry.next().count();
    ++restarts;
    spdlog::warn("media: camera lost ({}); retrying in {} ms", why, delay);
    notify_source(source_state::failed, why);
    drop_source(retry_timer);
    retry_timer = add_timeout(static_cast<unsigned>(std::max<std::int64_t>(delay, 1)), [this] {
      g_source_unref(retry_timer);
      retry_timer = nullptr;
      start_capture();
      return false;
    });
  }

  void check_stall() {
    if (!capture) return;
    const auto now_ns = g_get_monotonic_time() * 1000;
    const auto idle_ms = (now_ns - last_frame_ns.load()) / 1'000'000;
    if (idle_ms > opts.source_stall_timeout.count())
      capture_failed("no frame for " + std::to_string(idle_ms) + " ms");
  }

  void update_valves() {
    std::map<video_codec, int> users;
    for (const auto& [id, v] : viewers) ++users[v->codec];
    std::lock_guard lock(mu);
    for (auto& [c, b] : branches) {
      const bool drop = users[c] == 0;
      gboolean cur = FALSE;
      g_object_get(b->valve, "drop", &cur, nullptr);
      if (static_cast<bool>(cur) != drop) g_object_set(b->valve, "drop", drop, nullptr);
    }
  }

  // ---- viewers ----------------------------------------------------------------------
  viewer* find(const std::string& id, std::uint64_t gen) {
    auto it = viewers.find(id);
    if (it == viewers.end() || (gen && it->second->generation != gen)) return nullptr;
    return it->second.get();
  }

  struct signal_ctx {
    std::weak_ptr<impl> engine;
    std::string id;
    std::uint64_t generation;
  };

  void create_viewer(const std::string& id, const std::string& sdp) {
    if (viewers.count(id)) destroy_viewer(id, "replaced by a new offer");
    auto video = parse_video_offer(sdp);
    if (!video) {
      notify_peer(id, peer_state::failed, "the offer has no video section");
      return;
    }
    const auto codecs = usable_codecs();
    auto choice = select_codec(*video, codecs);
    if (!choice) {
      notify_peer(id, peer_state::failed, "no codec in common with the offer (we send h264/vp8)");
      return;
    }
    GstSDPMessage* sdp_msg = nullptr;
    gst_sdp_message_new(&sdp_msg);
    if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                     static_cast<guint>(sdp.size()), sdp_msg) != GST_SDP_OK) {
      gst_sdp_message_free(sdp_msg);
      notify_peer(id, peer_state::failed, "the offer is not valid SDP");
      return;
    }

    auto v = std::make_unique<viewer>();
    v->id = id;
    v->generation = next_generation++;
    v->codec = choice->codec;
    v->format = choice->format;
    const int pt = choice->format.payload;

    v->pipeline = gst_pipeline_new(nullptr);
    GstClock* sysclock = gst_system_clock_obtain();
    gst_pipeline_use_clock(GST_PIPELINE(v->pipeline), sysclock);
    gst_object_unref(sysclock);
    GstElement* src = gst_element_factory_make("appsrc", nullptr);
    GstCaps* src_caps = gst_caps_from_string(
        choice->codec == video_codec::h264 ? "video/x-h264,stream-format=byte-stream,alignment=au"
                                           : "video/x-vp8");
    g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "caps", src_caps, "max-bytes",
                 static_cast<guint64>(0), "block", FALSE, "min-latency", static_cast<gint64>(0),
                 nullptr);
    gst_caps_unref(src_caps);
    GstElement* pay = nullptr;
    if (choice->codec == video_codec::h264) {
      pay = gst_element_factory_make("rtph264pay", nullptr);
      g_object_set(pay, "config-interval", -1, "pt", static_cast<guint>(pt), "mtu", 1200u, nullptr);
      gst_util_set_object_arg(G_OBJECT(pay), "aggregate-mode", "zero-latency");
    } else {
      pay = gst_element_factory_make("rtpvp8pay", nullptr);
      g_object_set(pay, "pt", static_cast<guint>(pt), "mtu", 1200u, nullptr);
      gst_util_set_object_arg(G_OBJECT(pay), "picture-id-mode", "15-bit");
    }
    v->webrtc = gst_element_factory_make("webrtcbin", nullptr);
    if (!src || !pay || !v->webrtc) {
      gst_sdp_message_free(sdp_msg);
      gst_object_unref(v->pipeline);
      notify_peer(id, peer_state::failed,
                  "missing GStreamer elements (appsrc/payloader/webrtcbin)");
      return;
    }
    ++g_webrtcbins_alive;
    g_object_weak_ref(G_OBJECT(v->webrtc), &on_webrtcbin_finalized, nullptr);
    gst_util_set_object_arg(G_OBJECT(v->webrtc), "bundle-policy", "max-bundle");
    std::vector<ice_server> servers;
    {
      std::lock_guard lock(mu);
      servers = ice_servers;
    }
    bool have_stun = false;
    for (const auto& s : servers)
      for (const auto& url : s.urls) {
        const auto uri = gst_ice_uri(url, s.username, s.credential);
        if (uri.rfind("stun://", 0) == 0) {
          if (!have_stun) g_object_set(v->webrtc, "stun-server", uri.c_str(), nullptr);
          have_stun = true;
        } else if (!uri.empty()) {
          gboolean ok = FALSE;
          g_signal_emit_by_name(v->webrtc, "add-turn-server", uri.c_str(), &ok);
        }
      }
    if (!opts.ice_local_addresses.empty()) {
      GObject* ice = nullptr;
      g_object_get(v->webrtc, "ice-agent", &ice, nullptr);
      if (ice) {
        for (const auto& a : opts.ice_local_addresses) {
          gboolean ok = FALSE;
          g_signal_emit_by_name(ice, "add-local-ip-address", a.c_str(), &ok);
        }
        g_object_unref(ice);
      }
    }

    gst_bin_add_many(GST_BIN(v->pipeline), src, pay, v->webrtc, nullptr);
    gst_element_link(src, pay);
    GstPad* paysrc = gst_element_get_static_pad(pay, "src");
    GstPad* sinkpad = gst_element_request_pad_simple(v->webrtc, "sink_%u");
    gst_pad_link(paysrc, sinkpad);
    GstWebRTCRTPTransceiver* trans = nullptr;
    g_object_get(sinkpad, "transceiver", &trans, nullptr);
    if (trans) {
      const std::string enc = choice->codec == video_codec::h264 ? "H264" : "VP8";
      GstCaps* prefs = gst_caps_new_simple(
          "application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name", G_TYPE_STRING,
          enc.c_str(), "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, 90000, nullptr);
      g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                   "codec-preferences", prefs, nullptr);
      gst_caps_unref(prefs);
      gst_object_unref(trans);
    }
    gst_object_unref(sinkpad);
    gst_object_unref(paysrc);

    auto connect = [&](const char* signal, GCallback cb) {
      auto* sc = new signal_ctx{weak_from_this(), id, v->generation};
      g_signal_connect_data(
          v->webrtc, signal, cb, sc,
          [](gpointer p, GClosure*) { delete static_cast<signal_ctx*>(p); }, GConnectFlags(0));
    };
    connect("on-ice-candidate", G_CALLBACK(+[](GstElement*, guint mline, gchar* cand, gpointer p) {
              auto* sc = static_cast<signal_ctx*>(p);
              auto s = sc->engine.lock();
              if (!s || !s->events.on_candidate) return;
              try {
                s->events.on_candidate(sc->id, mline, cand ? cand : "");
              } catch (...) {
              }
            }));
    connect("notify::connection-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer p) {
              auto* sc = static_cast<signal_ctx*>(p);
              GstWebRTCPeerConnectionState st;
              g_object_get(w, "connection-state", &st, nullptr);
              if (auto s = sc->engine.lock())
                s->post([weak = sc->engine, id = sc->id, gen = sc->generation, st] {
                  if (auto s2 = weak.lock()) s2->on_connection_state(id, gen, st);
                });
            }));
    connect("notify::ice-connection-state", G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer p) {
              auto* sc = static_cast<signal_ctx*>(p);
              GstWebRTCICEConnectionState st;
              g_object_get(w, "ice-connection-state", &st, nullptr);
              if (st != GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) return;
              if (auto s = sc->engine.lock())
                s->post([weak = sc->engine, id = sc->id, gen = sc->generation] {
                  if (auto s2 = weak.lock()) s2->peer_failed(id, gen, "ICE failed");
                });
            }));

    // PLI / FIR from the viewer: rtpsession sends force-key-unit upstream; forward it.
    GstPad* appsrc_pad = gst_element_get_static_pad(src, "src");
    struct pli_ctx {
      std::weak_ptr<impl> engine;
      video_codec codec;
    };
    auto* pctx = new pli_ctx{weak_from_this(), v->codec};
    gst_pad_add_probe(
        appsrc_pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
        +[](GstPad*, GstPadProbeInfo* info, gpointer p) -> GstPadProbeReturn {
          GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
          if (!gst_video_event_is_force_key_unit(ev)) return GST_PAD_PROBE_OK;
          auto* pc = static_cast<pli_ctx*>(p);
          if (auto s = pc->engine.lock()) s->force_keyframe(pc->codec);
          return GST_PAD_PROBE_DROP;
        },
        pctx, [](gpointer p) { delete static_cast<pli_ctx*>(p); });
    gst_object_unref(appsrc_pad);

    v->bus_watch = watch_bus(v->pipeline, [this, id, gen = v->generation](GstMessage* m) {
      if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) peer_failed(id, gen, error_text(m));
    });

    gst_element_set_state(v->pipeline, GST_STATE_PLAYING);
    v->feed_ = std::make_shared<feed>(v->codec, src);

    // Offer -> remote description -> answer.
    GstWebRTCSessionDescription* offer =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp_msg);
    auto* actx = new signal_ctx{weak_from_this(), id, v->generation};
    GstPromise* promise = gst_promise_new_with_change_func(
        +[](GstPromise* pr, gpointer p) {
          auto* sc = static_cast<signal_ctx*>(p);
          const bool ok = gst_promise_wait(pr) == GST_PROMISE_RESULT_REPLIED;
          std::string err;
          if (const GstStructure* r = gst_promise_get_reply(pr)) {
            GError* e = nullptr;
            if (gst_structure_has_field(r, "error")) {
              gst_structure_get(r, "error", G_TYPE_ERROR, &e, nullptr);
              if (e) {
                err = e->message;
                g_error_free(e);
              }
            }
          }
          gst_promise_unref(pr);
          if (auto s = sc->engine.lock())
            s->post([weak = sc->engine, id = sc->id, gen = sc->generation, ok, err] {
              if (auto s2 = weak.lock()) s2->on_remote_set(id, gen, ok && err.empty(), err);
            });
        },
        actx, [](gpointer p) { delete static_cast<signal_ctx*>(p); });
    g_signal_emit_by_name(v->webrtc, "set-remote-description", offer, promise);
    gst_webrtc_session_description_free(offer);

    {
      std::lock_guard lock(mu);
      auto next = std::make_shared<feed_list>(*feeds);
      next->push_back(v->feed_);
      feeds = std::move(next);
    }
    spdlog::info("media: viewer {} joined ({} pt {})", id, to_string(v->codec), pt);
    viewers[id] = std::move(v);
    peer_count = viewers.size();
    update_valves();
    notify_peer(id, peer_state::connecting, std::string(to_string(choice->codec)));
    force_keyframe(choice->codec);
  }

  void on_remote_set(const std::string& id, std::uint64_t gen, bool ok, const std::string& err) {
    viewer* v = find(id, gen);
    if (!v) return;
    if (!ok) {
      peer_failed(id, gen, "the offer was refused: " + (err.empty() ? "?" : err));
      return;
    }
    auto* actx = new signal_ctx{weak_from_this(), id, gen};
    GstPromise* promise = gst_promise_new_with_change_func(
        +[](GstPromise* pr, gpointer p) {
          auto* sc = static_cast<signal_ctx*>(p);
          GstWebRTCSessionDescription* answer = nullptr;
          std::string err = "no answer";
          if (gst_promise_wait(pr) == GST_PROMISE_RESULT_REPLIED) {
            const GstStructure* r = gst_promise_get_reply(pr);
            if (r && gst_structure_has_field(r, "answer")) {
              gst_structure_get(r, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
            } else if (r && gst_structure_has_field(r, "error")) {
              GError* e = nullptr;
              gst_structure_get(r, "error", G_TYPE_ERROR, &e, nullptr);
              if (e) {
                err = e->message;
                g_error_free(e);
              }
            }
          }
          gst_promise_unref(pr);
          auto s = sc->engine.lock();
          if (!s) {
            if (answer) gst_webrtc_session_description_free(answer);
            return;
          }
          s->post([weak = sc->engine, id = sc->id, gen = sc->generation, answer, err] {
            auto s2 = weak.lock();
            if (s2)
              s2->on_answer_created(id, gen, answer, err);
            else if (answer)
              gst_webrtc_session_description_free(answer);
          });
        },
        actx, [](gpointer p) { delete static_cast<signal_ctx*>(p); });
    g_signal_emit_by_name(v->webrtc, "create-answer", nullptr, promise);
  }

  void on_answer_created(const std::string& id, std::uint64_t gen,
                         GstWebRTCSessionDescription* answer, const std::string& err) {
    viewer* v = find(id, gen);
    if (!v || !answer) {
      if (answer) gst_webrtc_session_description_free(answer);
      if (v) peer_failed(id, gen, "cannot answer the offer: " + err);
      return;
    }
    complete_answer_fmtp(*v, answer->sdp);
    gchar* text = gst_sdp_message_as_text(answer->sdp);
    std::string sdp = text;
    g_free(text);
    // The answer goes out before set-local-description starts gathering candidates,
    // so the viewer always has it before the first candidate.
    if (events.on_answer) try {
        events.on_answer(id, sdp);
      } catch (...) {
      }
    g_signal_emit_by_name(v->webrtc, "set-local-description", answer, nullptr);
    gst_webrtc_session_description_free(answer);
  }

  // webrtcbin's H.264 answer drops the offer's profile-level-id; a browser then assumes
  // 42001f-less baseline level 1. Put back the one we were offered (and produce).
  static void complete_answer_fmtp(const viewer& v, GstSDPMessage* sdp) {
    if (v.codec != video_codec::h264) return;
    auto it = v.format.fmtp.find("profile-level-id");
    const std::string plid =
        it != v.format.fmtp.end() ? it->second : std::string(default_profile_level_id);
    const std::string prefix = std::to_string(v.format.payload) + " ";
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

  void on_connection_state(const std::string& id, std::uint64_t gen,
                           GstWebRTCPeerConnectionState st) {
    viewer* v = find(id, gen);
    if (!v) return;
    if (st == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !v->connected) {
      v->connected = true;
      spdlog::info("media: viewer {} connected", id);
      v->feed_->wait_keyframe = true;
      force_keyframe(v->codec);
      notify_peer(id, peer_state::connected, "");
    } else if (st == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
      peer_failed(id, gen, "connection failed");
    }
  }

  void peer_failed(const std::string& id, std::uint64_t gen, const std::string& why) {
    if (!find(id, gen)) return;
    spdlog::warn("media: viewer {} failed: {}", id, why);
    destroy_viewer(id, why);
    notify_peer(id, peer_state::failed, why);
  }

  void destroy_viewer(const std::string& id, const std::string& why) {
    auto it = viewers.find(id);
    if (it == viewers.end()) return;
    std::unique_ptr<viewer> v = std::move(it->second);
    viewers.erase(it);
    peer_count = viewers.size();
    {
      std::lock_guard lock(mu);
      auto next = std::make_shared<feed_list>();
      for (const auto& f : *feeds)
        if (f != v->feed_) next->push_back(f);
      feeds = std::move(next);
    }
    update_valves();
    drop_source(v->bus_watch);
    gst_element_set_state(v->pipeline, GST_STATE_NULL);
    gst_object_unref(v->pipeline);
    spdlog::info("media: viewer {} left ({}); {} viewer(s)", id, why, viewers.size());
  }

  void add_candidate(const std::string& id, unsigned mline, const std::string& cand) {
    viewer* v = find(id, 0);
    if (!v) return;
    std::string c = cand;
    if (c.rfind("a=", 0) == 0) c.erase(0, 2);
    if (c.empty()) return;  // end of candidates: nothing to do for webrtcbin
    g_signal_emit_by_name(v->webrtc, "add-ice-candidate", mline, c.c_str());
  }
};

media_engine::media_engine(media_options options, media_events events)
    : impl_(std::make_shared<impl>()) {
  ensure_gst_init();
  impl_->opts = std::move(options);
  impl_->events = std::move(events);
  impl_->source_retry =
      core::backoff(impl_->opts.source_retry_initial, impl_->opts.source_retry_max);
  impl_->ice_servers = impl_->opts.ice_servers;
  if (!factory_exists("webrtcbin"))
    throw std::runtime_error("GStreamer webrtcbin is missing (install gstreamer1.0-plugins-bad)");
  if (!factory_exists("nicesrc"))
    throw std::runtime_error("GStreamer nice elements are missing (install gstreamer1.0-nice)");
  auto& f = impl_->opts.h264_encoder;
  if (f == "auto")
    impl_->h264_factory = factory_exists("v4l2h264enc") ? "v4l2h264enc"
                          : factory_exists("x264enc")   ? "x264enc"
                                                        : "";
  else if (factory_exists(f.c_str()))
    impl_->h264_factory = f;
  else
    throw std::runtime_error("H.264 encoder '" + f + "' is not installed");
  if (impl_->usable_codecs().empty())
    throw std::runtime_error(
        "no usable encoder for the codecs asked (x264enc: gstreamer1.0-plugins-ugly, vp8enc: "
        "gstreamer1.0-plugins-good)");
  const auto& s = impl_->opts.source;
  if (s == "libcamera" && !factory_exists("libcamerasrc"))
    throw std::runtime_error("--source libcamera: libcamerasrc is not installed");
  if (s == "frames" && !(factory_exists("jpegparse") && factory_exists("jpegdec")))
    throw std::runtime_error("source frames: jpegparse/jpegdec are missing (install "
                             "gstreamer1.0-plugins-good and -bad)");
  if (s.rfind("v4l2:", 0) == 0 && !factory_exists("v4l2src"))
    throw std::runtime_error("--source v4l2: v4l2src is not installed");
  impl_->ctx = g_main_context_new();
  impl_->loop = g_main_loop_new(impl_->ctx, FALSE);
  impl_->running = true;
  impl_->thread = std::thread([i = impl_.get()] {
    g_main_context_push_thread_default(i->ctx);
    g_main_loop_run(i->loop);
    g_main_context_pop_thread_default(i->ctx);
  });
}

media_engine::~media_engine() {
  stop();
  if (impl_->thread.joinable()) {
    g_main_loop_quit(impl_->loop);
    impl_->thread.join();
  }
  // Sources still queued (posted by GStreamer threads) are freed with the context.
  g_main_loop_unref(impl_->loop);
  g_main_context_unref(impl_->ctx);
}

void media_engine::start() {
  impl_->invoke([i = impl_.get()] {
    if (i->started) return;
    i->started = true;
    i->start_capture();
    i->watchdog = i->add_timeout(500, [i] {
      i->check_stall();
      return true;
    });
  });
}

void media_engine::stop() {
  if (!impl_->running.exchange(false)) return;
  std::promise<void> done;
  impl_->invoke([i = impl_.get(), &done] {
    i->started = false;
    std::vector<std::string> ids;
    for (const auto& [id, v] : i->viewers) ids.push_back(id);
    for (const auto& id : ids) i->destroy_viewer(id, "media engine stopping");
    impl::drop_source(i->watchdog);
    impl::drop_source(i->retry_timer);
    i->stop_capture();
    done.set_value();
  });
  done.get_future().wait();
  g_main_loop_quit(impl_->loop);
  impl_->thread.join();
}

void media_engine::handle_offer(const std::string& peer, const std::string& sdp) {
  if (!impl_->running) return;
  impl_->invoke([i = impl_.get(), peer, sdp] { i->create_viewer(peer, sdp); });
}

void media_engine::add_remote_candidate(const std::string& peer, unsigned mline_index,
                                        const std::string& candidate) {
  if (!impl_->running) return;
  impl_->invoke([i = impl_.get(), peer, mline_index, candidate] {
    i->add_candidate(peer, mline_index, candidate);
  });
}

void media_engine::remove_peer(const std::string& peer) {
  if (!impl_->running) return;
  impl_->invoke([i = impl_.get(), peer] {
    if (!i->viewers.count(peer)) return;
    i->destroy_viewer(peer, "closed");
    i->notify_peer(peer, peer_state::closed, "closed");
  });
}

void media_engine::remove_all_peers() {
  if (!impl_->running) return;
  impl_->invoke([i = impl_.get()] {
    std::vector<std::string> ids;
    for (const auto& [id, v] : i->viewers) ids.push_back(id);
    for (const auto& id : ids) {
      i->destroy_viewer(id, "closed");
      i->notify_peer(id, peer_state::closed, "closed");
    }
  });
}

void media_engine::push_frame(core::frame_ptr f) {
  if (!f || f->size() == 0) return;
  GstElement* in = nullptr;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->input) in = GST_ELEMENT(gst_object_ref(impl_->input));
  }
  if (!in) return;
  if (gst_app_src_get_current_level_buffers(GST_APP_SRC(in)) >= 2) {
    ++impl_->skipped;  // the decoder is behind: the newest picture wins next time
    gst_object_unref(in);
    return;
  }
  const auto bytes = f->bytes();
  auto* owner = new core::frame_ptr(std::move(f));
  GstBuffer* buf = gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, const_cast<std::uint8_t*>(bytes.data()), bytes.size(), 0,
      bytes.size(), owner, [](gpointer p) { delete static_cast<core::frame_ptr*>(p); });
  gst_app_src_push_buffer(GST_APP_SRC(in), buf);  // takes the buffer
  gst_object_unref(in);
}

void media_engine::request_keyframe() {
  for (auto c : {video_codec::h264, video_codec::vp8}) impl_->force_keyframe(c);
}

void media_engine::set_ice_servers(std::vector<ice_server> servers) {
  std::lock_guard lock(impl_->mu);
  impl_->ice_servers = std::move(servers);
}

media_stats media_engine::stats() const {
  media_stats s;
  s.peers = impl_->peer_count;
  s.webrtcbins_alive = g_webrtcbins_alive;
  s.frames_captured = impl_->frames_captured;
  s.h264_frames_encoded = impl_->h264_frames;
  s.vp8_frames_encoded = impl_->vp8_frames;
  s.keyframes_requested = impl_->keyframes;
  s.frames_skipped = impl_->skipped;
  s.source_restarts = impl_->restarts;
  s.source_running = impl_->source_running;
  return s;
}

void media_engine::sync() {
  if (!impl_->running) return;
  std::promise<void> done;
  impl_->invoke([&done] { done.set_value(); });
  done.get_future().wait();
}

std::int64_t media_engine::webrtcbins_alive() {
  return g_webrtcbins_alive;
}

bool media_engine::has_element(const std::string& factory) {
  return factory_exists(factory.c_str());
}

std::string media_engine::capture_description(const media_options& o) {
  const std::string raw_caps = "video/x-raw,format=I420,width=" + std::to_string(o.width) +
                               ",height=" + std::to_string(o.height) +
                               ",framerate=" + std::to_string(o.fps) + "/1";
  const std::string scale = " ! videoconvert ! videoscale ! videorate ! " + raw_caps;
  const auto& s = o.source;
  if (s == "test") {
    std::string d = "videotestsrc is-live=true pattern=smpte horizontal-speed=4 ! " + raw_caps;
    if (factory_exists("clockoverlay") && factory_exists("timeoverlay"))
      d += " ! clockoverlay time-format=\"%H:%M:%S\" halignment=left valignment=top "
           "! timeoverlay halignment=right valignment=top ! videoconvert ! " +
           raw_caps;
    else
      d += " ! identity name=camgate_clock";
    return d;
  }
  if (s.rfind("v4l2:", 0) == 0) return "v4l2src device=\"" + s.substr(5) + "\" ! decodebin" + scale;
  if (s == "v4l2") return "v4l2src ! decodebin" + scale;
  if (s == "libcamera") return "libcamerasrc" + scale;
  if (s.rfind("pipeline:", 0) == 0) return s.substr(9) + scale;
  if (s == "frames")
    return "appsrc name=camgate_in is-live=true format=time do-timestamp=true "
           "caps=image/jpeg max-buffers=4 ! jpegparse ! jpegdec ! videoconvert ! "
           "video/x-raw,format=I420";
  throw std::runtime_error("unknown --source '" + s +
                           "' (test, v4l2:/dev/videoN, libcamera, pipeline:'<gst-launch>', frames)");
}

}  // namespace camgate::media
