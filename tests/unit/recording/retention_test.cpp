// Retention: the plan (pure) and its application to real files, rows and audit rows.
#include "recording/retention.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/audit_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/database.hpp"

using namespace camgate;
using namespace camgate::recording;
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kNow = 1'900'000'000;
constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

retention_candidate made(std::int64_t id, std::int64_t days_ago, std::uint64_t bytes,
                         std::string state = "complete") {
  retention_candidate c;
  c.row.id = id;
  c.row.started_at = kNow - days_ago * 86400 - 60;
  c.row.ended_at = kNow - days_ago * 86400;
  c.row.state = std::move(state);
  c.local_bytes = bytes;
  return c;
}
std::vector<std::int64_t> ids(const std::vector<retention_step>& steps) {
  std::vector<std::int64_t> out;
  for (const auto& s : steps) out.push_back(s.id);
  return out;
}
}  // namespace

TEST(retention_plan, by_age_oldest_first_and_never_what_records) {
  retention_limits l{10, 0, 0};
  auto recording = made(1, 40, 100, "recording");
  recording.row.ended_at.reset();
  const auto steps = plan_retention(
      {recording, made(2, 30, 100), made(3, 11, 100), made(4, 9, 100)}, 0, std::nullopt, l, kNow);
  EXPECT_EQ(ids(steps), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(steps[0].why, "older than keep_days = 10");
}

TEST(retention_plan, by_size_and_by_free_space) {
  retention_limits size{0, 2.0, 0};
  // 3 GiB of files (one being written): the oldest go until 2 GiB remain.
  auto steps = plan_retention({made(1, 3, kGiB), made(2, 2, kGiB / 2), made(3, 1, kGiB / 2)}, kGiB,
                              std::nullopt, size, kNow);
  EXPECT_EQ(ids(steps), (std::vector<std::int64_t>{1}));
  EXPECT_NE(steps[0].why.find("max_disk_gb = 2"), std::string::npos);
  retention_limits floor{0, 0, 1.0};
  steps = plan_retention({made(1, 3, kGiB / 4), made(2, 2, kGiB / 2), made(3, 1, kGiB)}, 0,
                         kGiB / 4, floor, kNow);
  EXPECT_EQ(ids(steps), (std::vector<std::int64_t>{1, 2})) << "until 1 GiB is free";
  // An offloaded recording only loses its local copy; one without a local copy is skipped.
  steps = plan_retention({made(1, 3, 0, "offloaded"), made(2, 2, kGiB, "offloaded")}, 0, 0, floor,
                         kNow);
  ASSERT_EQ(ids(steps), (std::vector<std::int64_t>{2}));
  EXPECT_TRUE(steps[0].local_copy_only);
}

TEST(retention_apply, deletes_files_and_rows_and_audits_each) {
  const fs::path dir =
      fs::temp_directory_path() / ("camgate-retention-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    store::database db(dir / "camgate.db");
    store::camera_record c;
    c.name = "chair";
    c.host = "10.0.0.1";
    const auto cam = store::camera_repository(db).add(c).id;
    store::recording_repository repo(db);
    store::audit_repository audit(db);
    auto add = [&](const std::string& name, std::int64_t ended) {
      store::recording_row r;
      r.resource_kind = "camera";
      r.resource_id = cam;
      r.reason = "continuous";
      r.started_at = ended - 60;
      r.path = (dir / name).string();
      std::ofstream(r.path) << std::string(1000, 'x');
      const auto row = repo.start(r);
      repo.finish(row.id, ended, 1000, 10, "complete");
      return row;
    };
    const auto old = add("old.mp4", kNow - 40 * 86400);
    const auto fresh = add("fresh.mp4", kNow - 86400);
    EXPECT_EQ(apply_retention(repo, audit, dir, {30, 0, 0}, kNow), 1);
    EXPECT_FALSE(repo.get(old.id));
    EXPECT_FALSE(fs::exists(old.path));
    EXPECT_TRUE(repo.get(fresh.id));
    EXPECT_TRUE(fs::exists(fresh.path));
    const auto rows = audit.list();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].protocol, "recording-delete");
    EXPECT_EQ(rows[0].user_name, "retention");
    EXPECT_EQ(rows[0].end_reason,
              "recording " + std::to_string(old.id) + " deleted: older than keep_days = 30");
  }
  fs::remove_all(dir);
}
