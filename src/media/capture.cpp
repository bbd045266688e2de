#include "media/capture.hpp"

#include <algorithm>
#include <chrono>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "core/logging.hpp"
#include "media/clock_overlay.hpp"
#include "media/frame_stamp.hpp"
#include "media/gst_util.hpp"

namespace camgate::media {

using clock_type = std::chrono::steady_clock;

// One codec's queue ! valve ! encoder ! appsink.
struct capture::branch {
  capture* owner = nullptr;
  video_codec codec = video_codec::h264;
  GstElement* valve = nullptr;    // borrowed from the capture pipeline
  GstElement* encoder = nullptr;  // borrowed
  std::atomic<bool> key_pending{false};
  clock_type::time_point key_requested_at{};  // guarded by the capture's mutex
};

namespace {

// The test source's running clock, where clockoverlay (pango) is missing.
GstPadProbeReturn draw_clock(GstPad* pad, GstPadProbeInfo* info, gpointer) {
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buf) return GST_PAD_PROBE_OK;
  GstVideoInfo vinfo;
  {
    caps_ref caps(gst_pad_get_current_caps(pad));
    if (!caps || !gst_video_info_from_caps(&vinfo, caps.get())) return GST_PAD_PROBE_OK;
  }
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

// The test source's capture time as a barcode (frame_stamp.hpp), drawn as the frame
// leaves the source, right before the encoders.
GstPadProbeReturn draw_stamp(GstPad* pad, GstPadProbeInfo* info, gpointer) {
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buf) return GST_PAD_PROBE_OK;
  GstVideoInfo vinfo;
  {
    caps_ref caps(gst_pad_get_current_caps(pad));
    if (!caps || !gst_video_info_from_caps(&vinfo, caps.get())) return GST_PAD_PROBE_OK;
  }
  const auto at = stamp_layout_for(GST_VIDEO_INFO_WIDTH(&vinfo), GST_VIDEO_INFO_HEIGHT(&vinfo));
  if (!at || GST_VIDEO_INFO_FORMAT(&vinfo) != GST_VIDEO_FORMAT_I420) return GST_PAD_PROBE_OK;
  buf = gst_buffer_make_writable(buf);
  GST_PAD_PROBE_INFO_DATA(info) = buf;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &vinfo, buf, GST_MAP_WRITE)) return GST_PAD_PROBE_OK;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  draw_stamp_luma(static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
                  GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0), *at,
                  std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  for (int plane = 1; plane <= 2; ++plane)
    clear_stamp_chroma(static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane)),
                       GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane), *at);
  gst_video_frame_unmap(&frame);
  return GST_PAD_PROBE_OK;
}

}  // namespace

capture::capture(const media_options& opts, std::string h264_factory, main_loop& loop,
                 source_owner& owner, feed_set& feeds)
    : opts_(opts),
      h264_factory_(std::move(h264_factory)),
      loop_(loop),
      owner_(owner),
      feeds_(feeds),
      life_(
          opts, loop, owner,
          {[this] { start_pipeline(); }, [this] { stop_pipeline(); }, [this] { check_stall(); }}) {}

capture::~capture() = default;

// ---- the source's life -------------------------------------------------------------

void capture::start() {
  life_.start();
}

void capture::stop() {
  life_.stop();
}

void capture::start_pipeline() {
  life_.cancel_retry();
  if (auto why = build(); !why.empty()) {
    failed(why);
    return;
  }
  apply_valves();
  owner_.source_changed(source_state::starting, opts_.source);
  if (auto why = play(); !why.empty()) failed(why);
}

void capture::failed(const std::string& why) {
  life_.failed(why, "camera lost", "retrying in");
}

void capture::check_stall() {
  if (!pipeline_) return;
  const auto now_ns = g_get_monotonic_time() * 1000;
  const auto idle_ms = (now_ns - last_frame_ns_.load()) / 1'000'000;
  if (idle_ms > opts_.source_stall_timeout.count())
    failed("no frame for " + std::to_string(idle_ms) + " ms");
}

// ---- building and running the pipeline ---------------------------------------------

std::string capture::build() {
  const std::string desc = full_capture_description(opts_, h264_factory_);
  spdlog::debug("media: capture pipeline: {}", desc);
  std::string why;
  gst_ref<GstElement> p = parse_pipeline(desc, why);
  if (!p) return "cannot build the capture pipeline: " + why;
  pipeline_ = std::move(p);
  use_system_clock(pipeline_.get());
  {
    gst_ref<GstElement> tee(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "raw"));
    watch_source(tee.get());
  }
  draw_clock_if_asked();
  attach_branches();
  bus_watch_ = loop_.watch_bus(pipeline_.get(), [this](GstMessage* m) { on_bus_message(m); });
  return {};
}

// Counts the raw frames at the tee, and catches the source's end there: EOS never
// reaches a sink behind a closed valve.
void capture::watch_source(GstElement* tee) {
  gst_ref<GstPad> tee_sink(gst_element_get_static_pad(tee, "sink"));
  gst_pad_add_probe(
      tee_sink.get(), GST_PAD_PROBE_TYPE_BUFFER,
      +[](GstPad*, GstPadProbeInfo*, gpointer self) -> GstPadProbeReturn {
        static_cast<capture*>(self)->on_raw_frame();
        return GST_PAD_PROBE_OK;
      },
      this, nullptr);
  gst_pad_add_probe(
      tee_sink.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      +[](GstPad*, GstPadProbeInfo* info, gpointer user) -> GstPadProbeReturn {
        if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_EOS)
          return GST_PAD_PROBE_OK;
        auto* self = static_cast<capture*>(user);
        self->owner_.post([self] {
          if (self->pipeline_) self->failed("the source ended");
        });
        return GST_PAD_PROBE_OK;
      },
      this, nullptr);
}

// The test source asks for our clock drawing with an identity named camgate_clock.
// And for the capture-time stamp with one named camgate_stamp.
void capture::draw_clock_if_asked() {
  const std::pair<const char*, GstPadProbeCallback> drawings[] = {{"camgate_clock", &draw_clock},
                                                                  {"camgate_stamp", &draw_stamp}};
  for (const auto& [name, fn] : drawings) {
    gst_ref<GstElement> el(gst_bin_get_by_name(GST_BIN(pipeline_.get()), name));
    if (!el) continue;
    gst_ref<GstPad> pad(gst_element_get_static_pad(el.get(), "src"));
    gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, fn, nullptr, nullptr);
  }
}

void capture::attach_branches() {
  GstBin* bin = GST_BIN(pipeline_.get());
  // Borrowed: the pipeline keeps them alive as long as the branch exists.
  auto borrow = [bin](const std::string& name) {
    return gst_ref<GstElement>(gst_bin_get_by_name(bin, name.c_str())).get();
  };
  std::lock_guard lock(mu_);
  branches_.clear();
  for (auto c : codecs()) {
    const std::string n(to_string(c));
    auto b = std::make_unique<branch>();
    b->owner = this;
    b->codec = c;
    b->valve = borrow("valve_" + n);
    b->encoder = borrow("enc_" + n);
    gst_ref<GstElement> sink(gst_bin_get_by_name(bin, ("sink_" + n).c_str()));
    GstAppSinkCallbacks cbs{};
    cbs.new_sample = +[](GstAppSink* s, gpointer p) -> GstFlowReturn {
      auto* br = static_cast<branch*>(p);
      br->owner->on_encoded_sample(*br, GST_ELEMENT(s));
      return GST_FLOW_OK;
    };
    gst_app_sink_set_callbacks(GST_APP_SINK(sink.get()), &cbs, b.get(), nullptr);
    branches_[c] = std::move(b);
  }
  input_.reset(gst_bin_get_by_name(bin, "camgate_in"));
}

void capture::on_bus_message(GstMessage* m) {
  switch (GST_MESSAGE_TYPE(m)) {
    case GST_MESSAGE_ERROR:
      failed(error_text(m));
      break;
    case GST_MESSAGE_EOS:
      failed("the source ended");
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
}

std::string capture::play() {
  running_ = false;
  last_frame_ns_ = g_get_monotonic_time() * 1000;
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The bus normally carries the reason; give it a moment to arrive.
    gst_ref<GstBus> bus(gst_element_get_bus(pipeline_.get()));
    message_ref m(gst_bus_timed_pop_filtered(bus.get(), 0, GST_MESSAGE_ERROR));
    return m ? error_text(m.get()) : "the source did not start";
  }
  // Every viewer needs a fresh keyframe from the new encoder.
  feeds_.wait_for_keyframe();
  return {};
}

void capture::stop_pipeline() {
  bus_watch_.reset();
  if (!pipeline_) return;
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  {
    std::lock_guard lock(mu_);
    branches_.clear();
    input_.reset();
  }
  pipeline_.reset();
  running_ = false;
}

void capture::set_watched(std::set<video_codec> watched) {
  watched_ = std::move(watched);
  apply_valves();
}

void capture::apply_valves() {
  std::lock_guard lock(mu_);
  for (auto& [c, b] : branches_) {
    const bool drop = watched_.count(c) == 0;
    gboolean cur = FALSE;
    g_object_get(b->valve, "drop", &cur, nullptr);
    if (static_cast<bool>(cur) != drop) g_object_set(b->valve, "drop", drop, nullptr);
  }
}

// ---- streaming threads -------------------------------------------------------------

void capture::on_raw_frame() {
  ++frames_captured_;
  last_frame_ns_ = g_get_monotonic_time() * 1000;
  if (running_.exchange(true)) return;
  owner_.post([this] {
    life_.reset_backoff();
    if (opts_.source == "frames")
      spdlog::info("media: source running (pictures from the camera)");
    else
      spdlog::info("media: source running ({}x{} at {} fps)", opts_.width, opts_.height, opts_.fps);
    owner_.source_changed(source_state::running, "");
  });
}

void capture::on_encoded_sample(branch& b, GstElement* sink) {
  feed_set::delivery d;
  {
    sample_ref sample(gst_app_sink_pull_sample(GST_APP_SINK(sink)));
    if (!sample) return;
    if (!GST_BUFFER_FLAG_IS_SET(gst_sample_get_buffer(sample.get()), GST_BUFFER_FLAG_DELTA_UNIT))
      b.key_pending = false;
    ++(b.codec == video_codec::h264 ? h264_frames_ : vp8_frames_);
    d = feeds_.deliver(b.codec, sample.get(), gst_element_get_base_time(sink),
                       opts_.max_queued_frames);
  }
  if (d.skipped) skipped_ += d.skipped;
  if (d.want_keyframe) force_keyframe(b.codec);
}

// ---- any thread --------------------------------------------------------------------

void capture::push_frame(core::frame_ptr f) {
  if (!f || f->size() == 0) return;
  gst_ref<GstElement> in;
  {
    std::lock_guard lock(mu_);
    if (input_) in = share_ref(input_.get());
  }
  if (!in) return;
  if (gst_app_src_get_current_level_buffers(GST_APP_SRC(in.get())) >= 2) {
    ++skipped_;  // the decoder is behind: the newest picture wins next time
    return;
  }
  const auto bytes = f->bytes();
  auto* owner = new core::frame_ptr(std::move(f));
  GstBuffer* buf = gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, const_cast<std::uint8_t*>(bytes.data()), bytes.size(), 0,
      bytes.size(), owner, [](gpointer p) { delete static_cast<core::frame_ptr*>(p); });
  gst_app_src_push_buffer(GST_APP_SRC(in.get()), buf);  // takes the buffer
}

// Holds mu_ so the branch (and its encoder) cannot go away meanwhile.
void capture::force_keyframe(video_codec c) {
  std::lock_guard lock(mu_);
  auto it = branches_.find(c);
  if (it == branches_.end()) return;
  branch& b = *it->second;
  const auto now = clock_type::now();
  if (b.key_pending && now - b.key_requested_at < std::chrono::seconds(1)) return;
  b.key_pending = true;
  b.key_requested_at = now;
  gst_ref<GstPad> src(gst_element_get_static_pad(b.encoder, "src"));
  if (!src) return;
  ++keyframes_;
  gst_pad_send_event(src.get(),
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

void capture::report(media_stats& s) const {
  s.frames_captured = frames_captured_;
  s.h264_frames_encoded = h264_frames_;
  s.vp8_frames_encoded = vp8_frames_;
  s.keyframes_requested = keyframes_;
  s.frames_skipped = skipped_;
  s.source_restarts = life_.restarts();
  s.source_running = running_;
}

}  // namespace camgate::media
