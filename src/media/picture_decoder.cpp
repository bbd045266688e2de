#include "media/picture_decoder.hpp"

#include <gst/app/gstappsink.h>

#include "core/logging.hpp"
#include "media/gst_util.hpp"

namespace camgate::media {

std::string picture_decoder::decoder_for(video_codec codec) {
  // FFmpeg's decoder when installed (fastest), else Cisco's, else a hardware one.
  const std::vector<const char*> h264 = {"avdec_h264", "openh264dec", "v4l2h264dec"};
  const std::vector<const char*> vp8 = {"vp8dec", "avdec_vp8"};
  for (const char* f : codec == video_codec::h264 ? h264 : vp8)
    if (factory_exists(f)) return f;
  return {};
}

std::unique_ptr<picture_decoder> picture_decoder::create(video_codec codec, int jpeg_quality,
                                                         main_loop& loop, picture_sink sink,
                                                         std::string& error) {
  const std::string dec = decoder_for(codec);
  if (dec.empty()) {
    error = "no " + std::string(to_string(codec)) + " decoder (install gstreamer1.0-libav)";
    return nullptr;
  }
  if (!factory_exists("jpegenc")) {
    error = "jpegenc is missing (install gstreamer1.0-plugins-good)";
    return nullptr;
  }
  // The appsrc takes the caps of the samples pushed into it. No queue: the feed set
  // skips to the next keyframe when the decoder falls behind, which keeps H.264 whole.
  const std::string desc = "appsrc name=src is-live=true format=time ! " + dec +
                           " ! videoconvert ! video/x-raw,format=I420 ! jpegenc quality=" +
                           std::to_string(jpeg_quality) +
                           " ! appsink name=sink sync=false max-buffers=2 drop=true";
  gst_ref<GstElement> p = parse_pipeline(desc, error);
  if (!p) {
    error = "cannot build the picture decoder: " + error;
    return nullptr;
  }
  std::unique_ptr<picture_decoder> d(new picture_decoder());
  d->sink_ = std::move(sink);
  d->pipeline_ = std::move(p);
  use_system_clock(d->pipeline_.get());
  GstBin* bin = GST_BIN(d->pipeline_.get());
  gst_ref<GstElement> src(gst_bin_get_by_name(bin, "src"));
  gst_ref<GstElement> out(gst_bin_get_by_name(bin, "sink"));
  d->feed_ = std::make_shared<feed>(codec, src.get());
  GstAppSinkCallbacks cbs{};
  cbs.new_sample = +[](GstAppSink* s, gpointer self) -> GstFlowReturn {
    static_cast<picture_decoder*>(self)->on_picture(GST_ELEMENT(s));
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(out.get()), &cbs, d.get(), nullptr);
  // A broken picture is logged and skipped: the next keyframe repairs the decoder.
  d->bus_watch_ = loop.watch_bus(d->pipeline_.get(), [](GstMessage* m) {
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR || GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING)
      spdlog::warn("media: picture decoder: {}", error_text(m));
  });
  if (gst_element_set_state(d->pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "the picture decoder does not start";
    return nullptr;
  }
  spdlog::info("media: decoding {} pictures for the hub ({})", to_string(codec), dec);
  return d;
}

picture_decoder::~picture_decoder() {
  if (!pipeline_) return;
  bus_watch_.reset();
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
}

void picture_decoder::on_picture(GstElement* sink) {
  sample_ref sample(gst_app_sink_pull_sample(GST_APP_SINK(sink)));
  if (!sample) return;
  GstBuffer* buf = gst_sample_get_buffer(sample.get());
  GstMapInfo map;
  if (!gst_buffer_map(buf, &map, GST_MAP_READ)) return;
  std::vector<std::uint8_t> jpeg(map.data, map.data + map.size);
  gst_buffer_unmap(buf, &map);
  try {
    sink_(std::move(jpeg));
  } catch (...) {
    // The sink must not throw; a picture lost is better than a streaming thread unwound.
  }
}

}  // namespace camgate::media
