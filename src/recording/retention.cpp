#include "recording/retention.hpp"

#include "core/logging.hpp"
#include "store/audit_repository.hpp"

namespace camgate::recording {

namespace {
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::string gb(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

std::vector<retention_step> plan_retention(const std::vector<retention_candidate>& oldest_first,
                                           std::uint64_t recording_bytes,
                                           std::optional<std::uint64_t> free_bytes,
                                           const retention_limits& limits, std::int64_t now) {
  std::vector<retention_step> out;
  std::vector<const retention_candidate*> kept;
  const std::int64_t cutoff = now - limits.keep_days * 86400;
  for (const auto& c : oldest_first) {
    if (c.row.state == "recording") continue;  // never while it is written
    const auto end = c.row.ended_at.value_or(c.row.started_at);
    if (limits.keep_days > 0 && end < cutoff)
      out.push_back(
          {c.row.id, false, "older than keep_days = " + std::to_string(limits.keep_days)});
    else
      kept.push_back(&c);
  }
  std::uint64_t local = recording_bytes;
  for (const auto* c : kept) local += c->local_bytes;
  const auto cap = static_cast<std::uint64_t>(limits.max_disk_gb * kGiB);
  const auto floor = static_cast<std::uint64_t>(limits.min_free_disk_gb * kGiB);
  std::uint64_t freed = 0;
  for (const auto* c : kept) {
    if (c->local_bytes == 0) continue;
    std::string why;
    if (cap > 0 && local > cap)
      why = "recordings exceed max_disk_gb = " + gb(limits.max_disk_gb);
    else if (floor > 0 && free_bytes && *free_bytes + freed < floor)
      why = "free disk below min_free_disk_gb = " + gb(limits.min_free_disk_gb);
    else
      continue;
    out.push_back({c->row.id, c->row.state == "offloaded", std::move(why)});
    local -= c->local_bytes;
    freed += c->local_bytes;
  }
  return out;
}

int apply_retention(store::recording_repository& repo, store::audit_repository& audit,
                    const std::filesystem::path& dir, const retention_limits& limits,
                    std::int64_t now) {
  std::vector<retention_candidate> all;
  std::uint64_t recording_bytes = 0;
  // This node's files only: in a cluster the others' rows name files on their disks.
  store::recording_filter mine;
  mine.node = repo.node();
  for (auto& row : repo.list(mine)) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(row.path, ec);
    if (row.state == "recording") {
      if (!ec) recording_bytes += size;
      continue;
    }
    all.push_back({std::move(row), ec ? 0 : size});
  }
  std::optional<std::uint64_t> free_bytes;
  std::error_code ec;
  const auto space = std::filesystem::space(dir, ec);
  if (!ec) free_bytes = space.available;
  const auto steps = plan_retention(all, recording_bytes, free_bytes, limits, now);
  int done = 0;
  for (const auto& step : steps) {
    auto it = std::find_if(all.begin(), all.end(), [&](auto& c) { return c.row.id == step.id; });
    const auto& row = it->row;
    std::error_code rm;
    std::filesystem::remove(row.path, rm);
    if (rm) {
      spdlog::error("retention: cannot remove {}: {}", row.path, rm.message());
      continue;
    }
    try {
      if (!step.local_copy_only) repo.remove(row.id);
      const auto a = audit.begin(std::nullopt, "retention", row.resource_kind, row.resource_id,
                                 "recording-delete", "", now);
      audit.end(a, now,
                (step.local_copy_only ? "local copy of recording " : "recording ") +
                    std::to_string(row.id) + " deleted: " + step.why);
    } catch (const std::exception& e) {
      spdlog::error("retention: recording {}: {}", row.id, e.what());
      continue;
    }
    spdlog::info("retention: recording {} {}: {}", row.id,
                 step.local_copy_only ? "local copy removed" : "deleted", step.why);
    ++done;
  }
  return done;
}

}  // namespace camgate::recording
