#pragma once
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

#include "core/asio.hpp"
#include "media/media_engine.hpp"

namespace camgate::robot {

// camgate-robot --stats-file: every interval, the media engine's counters as one JSON
// object replacing the file (written aside, then renamed, so a reader never sees half):
//   {"unix_ms", "viewers", "bytes_sent", "frames_captured", "h264_frames_encoded",
//    "vp8_frames_encoded", "frames_skipped", "keyframes_requested", "source_running"}
// bytes_sent counts what left for the viewers (SRTP, SRTCP, retransmissions): what a
// benchmark compares between P2P and relay (bench/robot.py).
class stats_file : public std::enable_shared_from_this<stats_file> {
 public:
  using stats_fn = std::function<media::media_stats()>;
  static std::shared_ptr<stats_file> create(asio::io_context& io, std::filesystem::path path,
                                            std::chrono::milliseconds interval, stats_fn stats);
  void start();
  void write_now();  // also called once more at shutdown

 private:
  stats_file(asio::io_context& io, std::filesystem::path path, std::chrono::milliseconds interval,
             stats_fn stats);
  void schedule();

  asio::steady_timer timer_;
  const std::filesystem::path path_;
  const std::chrono::milliseconds interval_;
  const stats_fn stats_;
};

}  // namespace camgate::robot
