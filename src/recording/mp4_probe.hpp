#pragma once
#include <string>

namespace camgate::recording {

// What a recorded file holds, read as a player reads it (GStreamer's qtdemux).
struct mp4_contents {
  int frames = 0;
  int keyframes = 0;
  double duration_s = 0;  // the last picture's time
  int width = 0;
  int height = 0;
};

// Demuxes the whole file (milliseconds for a recording: nothing is decoded). A file that
// is missing or not an MP4 has 0 frames and `error` says why.
mp4_contents probe_mp4(const std::string& path, std::string* error = nullptr);

}  // namespace camgate::recording
