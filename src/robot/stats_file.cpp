#include "robot/stats_file.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/logging.hpp"

namespace camgate::robot {

std::shared_ptr<stats_file> stats_file::create(asio::io_context& io, std::filesystem::path path,
                                               std::chrono::milliseconds interval, stats_fn stats) {
  return std::shared_ptr<stats_file>(
      new stats_file(io, std::move(path), interval, std::move(stats)));
}

stats_file::stats_file(asio::io_context& io, std::filesystem::path path,
                       std::chrono::milliseconds interval, stats_fn stats)
    : timer_(io), path_(std::move(path)), interval_(interval), stats_(std::move(stats)) {}

void stats_file::start() {
  write_now();
  schedule();
}

void stats_file::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec) return;
    self->write_now();
    self->schedule();
  });
}

void stats_file::write_now() {
  const auto s = stats_();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  const nlohmann::json j = {{"unix_ms", now.count()},
                            {"viewers", s.peers},
                            {"bytes_sent", s.bytes_sent},
                            {"frames_captured", s.frames_captured},
                            {"h264_frames_encoded", s.h264_frames_encoded},
                            {"vp8_frames_encoded", s.vp8_frames_encoded},
                            {"frames_skipped", s.frames_skipped},
                            {"keyframes_requested", s.keyframes_requested},
                            {"source_running", s.source_running}};
  auto tmp = path_;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
    if (!out) {
      spdlog::warn("robot: cannot write the stats file {}", tmp.string());
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path_, ec);
  if (ec) spdlog::warn("robot: cannot replace the stats file {}: {}", path_.string(), ec.message());
}

}  // namespace camgate::robot
