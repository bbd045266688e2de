#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/recording_repository.hpp"

namespace camgate::store {
class audit_repository;
}  // namespace camgate::store

namespace camgate::recording {

struct retention_limits {
  std::int64_t keep_days = 30;  // 0: no age limit
  double max_disk_gb = 0;       // every local recording together; 0: no cap
  double min_free_disk_gb = 1;  // the oldest go first below this; 0: no floor
};

// A finished recording as retention sees it: its row and the bytes its local file holds
// (0 when it was offloaded and removed).
struct retention_candidate {
  store::recording_row row;
  std::uint64_t local_bytes = 0;
};

struct retention_step {
  std::int64_t id = 0;
  bool local_copy_only = false;  // an offloaded recording keeps its row and remote copy
  std::string why;
};

// Which recordings go, oldest first: those older than keep_days; then, while the local
// recordings (with `recording_bytes`, those being written, which never go) exceed
// max_disk_gb or the disk's free space is under min_free_disk_gb, the oldest local files.
// Under disk pressure an offloaded recording loses only its local copy. Pure: no I/O.
std::vector<retention_step> plan_retention(const std::vector<retention_candidate>& oldest_first,
                                           std::uint64_t recording_bytes,
                                           std::optional<std::uint64_t> free_bytes,
                                           const retention_limits& limits, std::int64_t now);

// Applies the plan to the store and the recordings folder `dir`: deletes files and rows
// (one audit row each, by "retention", with why) and returns how many steps were taken.
int apply_retention(store::recording_repository& repo, store::audit_repository& audit,
                    const std::filesystem::path& dir, const retention_limits& limits,
                    std::int64_t now);

}  // namespace camgate::recording
