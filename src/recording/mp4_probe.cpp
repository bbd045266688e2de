#include "recording/mp4_probe.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "media/gst_ref.hpp"
#include "media/gst_util.hpp"

namespace camgate::recording {

mp4_contents probe_mp4(const std::string& path, std::string* error) {
  media::ensure_gst_init();
  mp4_contents r;
  std::string why;
  media::gst_ref<GstElement> p = media::parse_pipeline(
      "filesrc name=src ! qtdemux ! h264parse ! video/x-h264,stream-format=byte-stream,"
      "alignment=au ! appsink name=s sync=false",
      why);
  if (!p) {
    if (error) *error = why;
    return r;
  }
  {
    media::gst_ref<GstElement> src(gst_bin_get_by_name(GST_BIN(p.get()), "src"));
    g_object_set(src.get(), "location", path.c_str(), nullptr);  // any path, no quoting
  }
  media::gst_ref<GstElement> sink(gst_bin_get_by_name(GST_BIN(p.get()), "s"));
  gst_element_set_state(p.get(), GST_STATE_PLAYING);
  // A missing or foreign file fails the preroll at once: no need to wait for pictures.
  if (gst_element_get_state(p.get(), nullptr, nullptr, 5 * GST_SECOND) ==
      GST_STATE_CHANGE_FAILURE) {
    if (error) {
      media::gst_ref<GstBus> bus(gst_element_get_bus(p.get()));
      media::message_ref m(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
      *error = m ? media::error_text(m.get()) : "cannot read " + path;
    }
    gst_element_set_state(p.get(), GST_STATE_NULL);
    return r;
  }
  while (GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 5 * GST_SECOND)) {
    GstBuffer* b = gst_sample_get_buffer(s);
    ++r.frames;
    if (!GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT)) ++r.keyframes;
    if (GST_BUFFER_PTS_IS_VALID(b)) r.duration_s = GST_BUFFER_PTS(b) / 1e9;
    if (const GstStructure* st = gst_caps_get_structure(gst_sample_get_caps(s), 0)) {
      gst_structure_get_int(st, "width", &r.width);
      gst_structure_get_int(st, "height", &r.height);
    }
    gst_sample_unref(s);
  }
  if (r.frames == 0 && error) {
    media::gst_ref<GstBus> bus(gst_element_get_bus(p.get()));
    media::message_ref m(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
    *error = m ? media::error_text(m.get()) : "no picture in " + path;
  }
  gst_element_set_state(p.get(), GST_STATE_NULL);
  return r;
}

}  // namespace camgate::recording
