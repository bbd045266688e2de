#include "recording/mp4_writer.hpp"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <mutex>

#include "media/gst_ref.hpp"
#include "media/gst_util.hpp"

namespace camgate::recording {

using media::buffer_ref;
using media::gst_ref;
using media::message_ref;

struct mp4_writer::impl {
  mp4_writer_options opts;
  gst_ref<GstElement> pipeline;
  GstElement* src = nullptr;  // borrowed from pipeline
  mutable std::mutex mu;
  mp4_writer_stats stats;  // guarded by mu
  std::string error;       // guarded by mu
  bool finished = false;   // guarded by mu

  void fail(std::string why) {
    std::lock_guard lock(mu);
    if (error.empty()) error = std::move(why);
  }
};

std::unique_ptr<mp4_writer> mp4_writer::open(mp4_writer_options o, std::string& error) {
  media::ensure_gst_init();
  for (const char* f :
       {"appsrc", "jpegdec", "videoconvert", "x264enc", "h264parse", "mp4mux", "filesink"})
    if (!media::factory_exists(f)) {
      error = std::string(f) + " is missing (install the GStreamer good and ugly plugins)";
      return nullptr;
    }
  const int key_every =
      std::max(1, static_cast<int>(o.fps_hint * o.keyframe_interval.count() / 1000));
  const std::string desc =
      "appsrc name=src is-live=true format=time do-timestamp=false "
      // A nominal rate: with framerate=0/1 the muxer leaves the last picture out. Each
      // picture keeps its own capture time.
      "caps=image/jpeg,framerate=" +
      std::to_string(o.fps_hint) +
      "/1 ! jpegdec ! videoconvert ! video/x-raw,format=I420 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast bitrate=" +
      std::to_string(o.bitrate_kbps) + " key-int-max=" + std::to_string(key_every) +
      " ! h264parse ! mp4mux fragment-duration=" + std::to_string(o.fragment.count()) +
      " streamable=true ! filesink name=out";
  gst_ref<GstElement> p = media::parse_pipeline(desc, error);
  if (!p) {
    error = "cannot build the recording pipeline: " + error;
    return nullptr;
  }
  auto i = std::make_unique<impl>();
  i->opts = std::move(o);
  i->pipeline = std::move(p);
  gst_ref<GstElement> out(gst_bin_get_by_name(GST_BIN(i->pipeline.get()), "out"));
  g_object_set(out.get(), "location", i->opts.path.c_str(), nullptr);
  gst_ref<GstElement> src(gst_bin_get_by_name(GST_BIN(i->pipeline.get()), "src"));
  i->src = src.get();
  // A second of pictures at most waits for the encoder; more are dropped at push().
  g_object_set(i->src, "max-bytes", static_cast<guint64>(0), "block", FALSE, nullptr);
  gst_ref<GstBus> bus(gst_element_get_bus(i->pipeline.get()));
  // An error on the bus (a write that failed) is kept for error(): read on the posting
  // thread, since the writer has no main loop.
  // (The handler's lambda may name impl: it is defined inside a member.)
  gst_bus_set_sync_handler(
      bus.get(),
      +[](GstBus*, GstMessage* m, gpointer data) -> GstBusSyncReply {
        const auto type = GST_MESSAGE_TYPE(m);
        if (type == GST_MESSAGE_ERROR) static_cast<impl*>(data)->fail(media::error_text(m));
        // Only what finish() waits for stays queued: nobody else reads this bus.
        return type == GST_MESSAGE_ERROR || type == GST_MESSAGE_EOS ? GST_BUS_PASS : GST_BUS_DROP;
      },
      i.get(), nullptr);
  if (gst_element_set_state(i->pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "cannot open " + i->opts.path + ": " + i->error;
    gst_element_set_state(i->pipeline.get(), GST_STATE_NULL);
    return nullptr;
  }
  return std::unique_ptr<mp4_writer>(new mp4_writer(std::move(i)));
}

mp4_writer::mp4_writer(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

mp4_writer::~mp4_writer() {
  finish();
  gst_ref<GstBus> bus(gst_element_get_bus(impl_->pipeline.get()));
  gst_bus_set_sync_handler(bus.get(), nullptr, nullptr, nullptr);
}

void mp4_writer::push(core::frame_ptr f) {
  if (!f) return;
  std::int64_t first;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->finished || !impl_->error.empty()) return;
    ++impl_->stats.pictures_in;
    if (!impl_->stats.first_us) {
      impl_->stats.first_us = f->capture_us();
      impl_->stats.first_received_us = f->received_us();
    }
    impl_->stats.last_received_us = f->received_us();
    // Times never go back: a camera clock that jumps keeps the file monotonic.
    impl_->stats.last_us = std::max(impl_->stats.last_us, f->capture_us());
    first = impl_->stats.first_us;
    const auto queued = gst_app_src_get_current_level_buffers(GST_APP_SRC(impl_->src));
    if (queued > static_cast<guint64>(std::max(1, impl_->opts.fps_hint))) {
      ++impl_->stats.pictures_dropped;
      return;
    }
  }
  // The buffer holds the frame: its bytes are not copied.
  auto* holder = new core::frame_ptr(f);
  GstBuffer* buf = gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, const_cast<std::uint8_t*>(f->bytes().data()), f->size(), 0,
      f->size(), holder, +[](gpointer p) { delete static_cast<core::frame_ptr*>(p); });
  const auto pts_us = std::max<std::int64_t>(0, f->capture_us() - first);
  GST_BUFFER_PTS(buf) = static_cast<GstClockTime>(pts_us) * GST_USECOND;
  GST_BUFFER_DTS(buf) = GST_BUFFER_PTS(buf);
  // The muxer times a picture by the next one; the last needs its own duration or the
  // fragmented MP4 leaves it out.
  GST_BUFFER_DURATION(buf) =
      GST_SECOND / static_cast<GstClockTime>(std::max(1, impl_->opts.fps_hint));
  gst_app_src_push_buffer(GST_APP_SRC(impl_->src), buf);  // takes the buffer
}

bool mp4_writer::finish(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->finished) return impl_->error.empty();
    impl_->finished = true;
  }
  gst_app_src_end_of_stream(GST_APP_SRC(impl_->src));
  gst_ref<GstBus> bus(gst_element_get_bus(impl_->pipeline.get()));
  message_ref m(gst_bus_timed_pop_filtered(
      bus.get(), static_cast<GstClockTime>(timeout.count()) * GST_MSECOND,
      static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
  bool ok = m && GST_MESSAGE_TYPE(m.get()) == GST_MESSAGE_EOS;
  if (!m) impl_->fail("the file was not closed within " + std::to_string(timeout.count()) + " ms");
  gst_element_set_state(impl_->pipeline.get(), GST_STATE_NULL);
  return ok && error().empty();
}

mp4_writer_stats mp4_writer::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

std::string mp4_writer::error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->error;
}

}  // namespace camgate::recording
