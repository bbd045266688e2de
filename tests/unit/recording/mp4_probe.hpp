#pragma once
// Reads an MP4 back as a player would (GStreamer's qtdemux): the recording tests' check.
#include <gtest/gtest.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <string>

namespace camgate::recording::testing {

struct read_back {
  int frames = 0;
  int keyframes = 0;
  double last_pts_s = 0;
  int width = 0;
  int height = 0;
};

// Demuxes the file as a player would and counts its pictures.
inline read_back demux(const std::string& path) {
  if (!gst_is_initialized()) gst_init(nullptr, nullptr);
  read_back r;
  const std::string desc = "filesrc location=" + path +
                           " ! qtdemux ! h264parse ! video/x-h264,stream-format=byte-stream,"
                           "alignment=au ! appsink name=s sync=false";
  GError* err = nullptr;
  GstElement* p = gst_parse_launch(desc.c_str(), &err);
  if (err) {
    ADD_FAILURE() << err->message;
    g_error_free(err);
    return r;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(p), "s");
  gst_element_set_state(p, GST_STATE_PLAYING);
  while (GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 5 * GST_SECOND)) {
    GstBuffer* b = gst_sample_get_buffer(s);
    ++r.frames;
    if (!GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT)) ++r.keyframes;
    if (GST_BUFFER_PTS_IS_VALID(b)) r.last_pts_s = GST_BUFFER_PTS(b) / 1e9;
    if (const GstStructure* st = gst_caps_get_structure(gst_sample_get_caps(s), 0)) {
      gst_structure_get_int(st, "width", &r.width);
      gst_structure_get_int(st, "height", &r.height);
    }
    gst_sample_unref(s);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(p);
  return r;
}

}  // namespace camgate::recording::testing
