#include "recording/recovery.hpp"

#include <cmath>
#include <filesystem>

#include "core/logging.hpp"
#include "recording/mp4_probe.hpp"

namespace camgate::recording {

recovered recover_recordings(store::recording_repository& repo) {
  recovered out;
  store::recording_filter unfinished;
  unfinished.state = "recording";
  // In a cluster another node's row "recording" is its live recording, not a crash's.
  unfinished.node = repo.node();
  for (const auto& row : repo.list(unfinished)) {
    std::string why = "the file is missing";
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(row.path, ec);
    // No file, nothing to read: GStreamer is not even started for it.
    const auto c = ec ? mp4_contents{} : probe_mp4(row.path, &why);
    const auto ended_at = row.started_at + static_cast<std::int64_t>(std::ceil(c.duration_s));
    if (c.frames > 0) {
      repo.finish(row.id, ended_at, ec ? 0 : static_cast<std::int64_t>(bytes), c.frames,
                  "complete");
      ++out.complete;
      spdlog::warn("recording {}: interrupted; kept {} pictures ({:.1f} s) of {}", row.id, c.frames,
                   c.duration_s, row.path);
    } else {
      repo.finish(row.id, row.started_at, ec ? 0 : static_cast<std::int64_t>(bytes), 0, "damaged");
      ++out.damaged;
      spdlog::error("recording {}: interrupted and unreadable ({}): {}", row.id, row.path, why);
    }
  }
  return out;
}

}  // namespace camgate::recording
