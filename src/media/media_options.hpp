#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "media/video_codec.hpp"

namespace camgate::media {

// One entry of the gateway's GET /api/webrtc/ice-servers (RTCIceServer shape).
struct ice_server {
  std::vector<std::string> urls;  // "stun:host:port", "turn:host:port?transport=udp", "turns:..."
  std::string username;
  std::string credential;
};

// What the media engine captures and how it encodes.
struct media_options {
  // "test" | "v4l2:/dev/videoN" | "libcamera" | "pipeline:<gst-launch fragment>" |
  // "frames": JPEG frames handed over by media_engine::push_frame (a gateway camera),
  // decoded at the camera's own size and rate (width, height and fps are not applied) |
  // "relay": a robot's WebRTC stream, received once and forwarded without decoding (see
  // media_engine::set_upstream_answer; `codecs` is what we ask the robot for).
  std::string source = "test";
  int width = 1280;
  int height = 720;
  int fps = 30;
  int bitrate_kbps = 2500;
  // Codecs we are willing to send, best first; the viewer's offer decides among them.
  std::vector<video_codec> codecs{video_codec::h264, video_codec::vp8};
  // "auto" (v4l2h264enc when present, else x264enc), "x264enc", "v4l2h264enc".
  std::string h264_encoder = "auto";
  // Local addresses libnice may use (empty: all interfaces except loopback). Add
  // "127.0.0.1" on a host where only loopback reaches the viewers.
  std::vector<std::string> ice_local_addresses;
  std::vector<ice_server> ice_servers;
  // Camera lost: retry with capped exponential backoff.
  std::chrono::milliseconds source_retry_initial{500};
  std::chrono::milliseconds source_retry_max{10000};
  // No frame from the camera for this long while running counts as lost.
  std::chrono::milliseconds source_stall_timeout{3000};
  // A connected viewer that sent no RTCP (receiver reports, feedback) for this long is
  // gone (closed tab, lost network): its peer ends. Browsers report about every second.
  std::chrono::milliseconds viewer_rtcp_timeout{10000};
  // A viewer whose send queue holds more than this many frames skips to the next keyframe.
  unsigned max_queued_frames = 30;
};

}  // namespace camgate::media
