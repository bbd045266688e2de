#include "media/feed.hpp"

#include <gst/app/gstappsrc.h>

namespace camgate::media {

namespace {

// Every pipeline runs on the system clock: capture running time + capture base time
// - viewer base time is the viewer's running time.
void push_copy(feed& f, GstBuffer* buf, GstCaps* caps, GstClockTime base, GstClockTime pts) {
  buffer_ref copy(gst_buffer_copy(buf));  // shares the encoded bytes
  if (pts != GST_CLOCK_TIME_NONE) {
    const GstClockTime vbase = gst_element_get_base_time(f.appsrc.get());
    const GstClockTime abs = base + pts;
    const GstClockTime vpts = abs > vbase ? abs - vbase : 0;
    GST_BUFFER_PTS(copy.get()) = vpts;
    GST_BUFFER_DTS(copy.get()) = vpts;
  }
  sample_ref out(gst_sample_new(copy.get(), caps, nullptr, nullptr));
  gst_app_src_push_sample(GST_APP_SRC(f.appsrc.get()), out.get());
}

}  // namespace

void feed_set::add(std::shared_ptr<feed> f) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<feed_list>(*feeds_);
  next->push_back(std::move(f));
  feeds_ = std::move(next);
}

void feed_set::remove(const std::shared_ptr<feed>& f) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<feed_list>();
  for (const auto& g : *feeds_)
    if (g != f) next->push_back(g);
  feeds_ = std::move(next);
}

std::shared_ptr<const feed_set::feed_list> feed_set::snapshot() const {
  std::lock_guard lock(mu_);
  return feeds_;
}

void feed_set::wait_for_keyframe() {
  const auto list = snapshot();
  for (const auto& f : *list) f->wait_keyframe = true;
}

feed_set::delivery feed_set::deliver(video_codec codec, GstSample* sample, GstClockTime base,
                                     unsigned max_queued) const {
  GstBuffer* buf = gst_sample_get_buffer(sample);
  GstCaps* caps = gst_sample_get_caps(sample);
  const bool key = !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  // Encoders may shift timestamps (GstVideoEncoder adds 1000 h): use running time.
  GstClockTime pts = GST_BUFFER_PTS(buf);
  if (const GstSegment* seg = gst_sample_get_segment(sample); seg && pts != GST_CLOCK_TIME_NONE)
    pts = gst_segment_to_running_time(seg, GST_FORMAT_TIME, pts);
  delivery d;
  const auto list = snapshot();
  for (const auto& f : *list) {
    if (f->codec != codec) continue;
    if (GST_STATE(f->appsrc.get()) != GST_STATE_PLAYING) continue;
    if (f->wait_keyframe.load()) {
      if (!key) {
        d.want_keyframe = true;
        continue;
      }
      f->wait_keyframe = false;
    }
    if (gst_app_src_get_current_level_buffers(GST_APP_SRC(f->appsrc.get())) > max_queued) {
      f->wait_keyframe = true;  // skip to the next keyframe rather than fall behind
      ++d.skipped;
      d.want_keyframe = true;
      continue;
    }
    push_copy(*f, buf, caps, base, pts);
  }
  return d;
}

}  // namespace camgate::media
