#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/frame.hpp"

namespace camgate::recording {

struct mp4_writer_options {
  std::string path;         // the file being written (its folder must exist)
  int bitrate_kbps = 1000;  // H.264 target
  // An MP4 fragment this often: a gateway killed with kill -9 loses the fragment being
  // written and what the encoder holds (measured: 0.7 s with 500 ms fragments).
  std::chrono::milliseconds fragment{500};
  std::chrono::milliseconds keyframe_interval{1000};  // where a seek can land
  int fps_hint = 15;  // for the keyframe interval; the pictures' own times are kept
};

struct mp4_writer_stats {
  std::uint64_t pictures_in = 0;       // handed to push()
  std::uint64_t pictures_dropped = 0;  // the encoder was behind (never the first)
  std::int64_t first_us = 0;           // capture time of the first picture (unix µs)
  std::int64_t last_us = 0;
  // The gateway's clock for the same two pictures (a camera's own clock may be off): the
  // file's time 0 on the wall clock, for its row and for clips.
  std::int64_t first_received_us = 0;
  std::int64_t last_received_us = 0;
};

// One recording of an MJPEG camera: JPEG pictures in, H.264 in fragmented MP4 out, which
// browsers play and seek and every player opens. Measured on the 2-core dev host at
// 800x600@15: ~6 % of a core per camera and 7.6 MB a minute, against 48 MB a minute for
// the JPEG pictures as received (Chromium does not play MJPEG in MP4).
//
// push() from any thread; finish() once, from one thread (it blocks until the file is
// closed). An error (disk full, the folder gone) stops the writer; error() tells why.
class mp4_writer {
 public:
  // nullptr, and why in `error`, when GStreamer or an element is missing or the file
  // cannot be opened.
  static std::unique_ptr<mp4_writer> open(mp4_writer_options options, std::string& error);
  ~mp4_writer();  // finish() if not done
  mp4_writer(const mp4_writer&) = delete;
  mp4_writer& operator=(const mp4_writer&) = delete;

  // One picture, stamped with its capture time. Never blocks: a picture that finds the
  // encoder more than a second behind is dropped (and counted).
  void push(core::frame_ptr f);
  // Ends the file (EOS) and waits at most `timeout` for it to be written; false on an
  // error or a timeout (the fragments written so far remain playable).
  bool finish(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  mp4_writer_stats stats() const;
  // Why the writer stopped; empty while it is fine.
  std::string error() const;

 private:
  struct impl;
  explicit mp4_writer(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace camgate::recording
