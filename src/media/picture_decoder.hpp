#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "media/feed.hpp"
#include "media/gst_ref.hpp"
#include "media/main_loop.hpp"
#include "media/picture_sink.hpp"
#include "media/video_codec.hpp"

namespace camgate::media {

// Pictures out of an encoded stream: fed like a viewer (appsrc ! decoder ! videoconvert !
// jpegenc ! appsink), so a relayed robot gets snapshots, MJPEG, WebSocket and analysis
// from the one stream it uploads. It exists only while someone wants pictures, so a
// robot nobody reads as JPEG costs no decoding. Engine (GLib) thread, except the sink,
// which runs on the decoder's streaming thread.
class picture_decoder {
 public:
  // nullptr, and why in `error`, when the codec's decoder or jpegenc is missing.
  static std::unique_ptr<picture_decoder> create(video_codec codec, int jpeg_quality,
                                                 main_loop& loop, picture_sink sink,
                                                 std::string& error);
  ~picture_decoder();
  picture_decoder(const picture_decoder&) = delete;
  picture_decoder& operator=(const picture_decoder&) = delete;

  video_codec codec() const { return feed_->codec; }
  const std::shared_ptr<feed>& frame_feed() const { return feed_; }
  // The decoder's name, e.g. "openh264dec" (for the log).
  static std::string decoder_for(video_codec codec);

 private:
  picture_decoder() = default;
  void on_picture(GstElement* sink);

  picture_sink sink_;
  std::shared_ptr<feed> feed_;
  gst_ref<GstElement> pipeline_;
  attached_source bus_watch_;
};

}  // namespace camgate::media
