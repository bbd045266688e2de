#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace camgate::recording {

// One recording a clip may be cut from.
struct clip_piece {
  std::string path;                // a recording's fragmented MP4 (may be cut short by a crash)
  std::int64_t started_at_us = 0;  // wall-clock time of its PTS 0 (unix µs)
};

struct clip_result {
  std::string error;      // empty on success
  double duration_s = 0;  // of the written clip: the end of its last picture
  int frames = 0;
};

// Like MediaMTX's playback /get?start=&duration=: the pictures of [from_us, to_us) found
// in `pieces` (one camera's recordings, oldest first; gaps between them allowed) written
// as one standard MP4 at `out_path`, moov first so a browser plays and seeks it at once.
// The H.264 is copied, never re-encoded (milliseconds per minute of video).
//
// The clip starts at the keyframe at or before from_us so its first picture decodes. A
// gap between recordings is closed up: the next recording's first picture follows the
// previous one's last (see clip.cpp). A damaged piece is skipped with a log line; the
// call fails only when no picture is left, or out_path cannot be written (it is then
// removed).
clip_result cut_clip(const std::vector<clip_piece>& pieces, std::int64_t from_us,
                     std::int64_t to_us, const std::string& out_path);

}  // namespace camgate::recording
