#include "media/capture_description.hpp"

#include <algorithm>
#include <stdexcept>

#include "media/gst_util.hpp"

namespace camgate::media {

namespace {

std::string encoder_description(video_codec c, const media_options& opts,
                                const std::string& h264_factory) {
  const int key_int = std::max(1, opts.fps * 2);
  if (c == video_codec::vp8) {
    return "vp8enc name=enc_vp8 deadline=1 cpu-used=8 threads=2 lag-in-frames=0 "
           "end-usage=cbr error-resilient=default keyframe-max-dist=" +
           std::to_string(key_int) + " target-bitrate=" + std::to_string(opts.bitrate_kbps * 1000);
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

}  // namespace

std::string capture_description(const media_options& o) {
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
    // Each frame's capture time as a barcode (frame_stamp.hpp), for glass-to-glass.
    return d + " ! identity name=camgate_stamp";
  }
  if (s.rfind("v4l2:", 0) == 0) return "v4l2src device=\"" + s.substr(5) + "\" ! decodebin" + scale;
  if (s == "v4l2") return "v4l2src ! decodebin" + scale;
  if (s == "libcamera") return "libcamerasrc" + scale;
  if (s.rfind("pipeline:", 0) == 0) return s.substr(9) + scale;
  if (s == "frames")
    return "appsrc name=camgate_in is-live=true format=time do-timestamp=true "
           "caps=image/jpeg max-buffers=4 ! jpegparse ! jpegdec ! videoconvert ! "
           "video/x-raw,format=I420";
  throw std::runtime_error(
      "unknown --source '" + s +
      "' (test, v4l2:/dev/videoN, libcamera, pipeline:'<gst-launch>', frames)");
}

std::vector<video_codec> usable_codecs(const media_options& o, const std::string& h264_factory) {
  std::vector<video_codec> out;
  for (auto c : o.codecs) {
    if (std::find(out.begin(), out.end(), c) != out.end()) continue;
    if (c == video_codec::h264 && h264_factory.empty()) continue;
    if (c == video_codec::vp8 && !factory_exists("vp8enc")) continue;
    out.push_back(c);
  }
  return out;
}

std::string full_capture_description(const media_options& opts, const std::string& h264_factory) {
  std::string d = capture_description(opts) + " ! tee name=raw allow-not-linked=true";
  for (auto c : usable_codecs(opts, h264_factory)) {
    const std::string n(to_string(c));
    d += " raw. ! queue name=q_" + n +
         " leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! valve "
         "name=valve_" +
         n + " drop=true ! " + encoder_description(c, opts, h264_factory) +
         " ! appsink name=sink_" + n +
         " sync=false async=false max-buffers=8 drop=true emit-signals=false";
  }
  return d;
}

std::string check_capture_elements(const media_options& o) {
  std::string h264;
  const auto& f = o.h264_encoder;
  if (f == "auto")
    h264 = factory_exists("v4l2h264enc") ? "v4l2h264enc"
           : factory_exists("x264enc")   ? "x264enc"
                                         : "";
  else if (factory_exists(f.c_str()))
    h264 = f;
  else
    throw std::runtime_error("H.264 encoder '" + f + "' is not installed");
  if (usable_codecs(o, h264).empty())
    throw std::runtime_error(
        "no usable encoder for the codecs asked (x264enc: gstreamer1.0-plugins-ugly, vp8enc: "
        "gstreamer1.0-plugins-good)");
  const auto& s = o.source;
  if (s == "libcamera" && !factory_exists("libcamerasrc"))
    throw std::runtime_error("--source libcamera: libcamerasrc is not installed");
  if (s == "frames" && !(factory_exists("jpegparse") && factory_exists("jpegdec")))
    throw std::runtime_error(
        "source frames: jpegparse/jpegdec are missing (install "
        "gstreamer1.0-plugins-good and -bad)");
  if (s.rfind("v4l2:", 0) == 0 && !factory_exists("v4l2src"))
    throw std::runtime_error("--source v4l2: v4l2src is not installed");
  return h264;
}

}  // namespace camgate::media
