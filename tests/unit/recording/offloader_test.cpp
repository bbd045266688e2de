// recording::offloader with real commands: cp for a local "remote", rclone to an
// S3-compatible server (npm s3rver) started by the test.
#include "recording/offloader.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "core/logging.hpp"
#include "recording/shell_command.hpp"
#include "store/database.hpp"
#include "support/process.hpp"

using namespace camgate;
using namespace camgate::recording;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A program on PATH, or empty.
std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string d;
  while (std::getline(dirs, d, ':')) {
    const auto p = fs::path(d) / name;
    if (!d.empty() && access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

// Log lines the offloader writes, while it lives.
struct captured_log {
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  captured_log() { spdlog::default_logger()->sinks().push_back(sink); }
  ~captured_log() { spdlog::default_logger()->sinks().pop_back(); }
  std::string text() const {
    std::string out;
    for (const auto& l : sink->last_formatted()) out += l;
    return out;
  }
};

struct offloader_test : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("camgate-offload-" + std::to_string(getpid()));
  std::unique_ptr<store::database> db;
  std::unique_ptr<store::recording_repository> repo;

  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir / "recordings" / "camera-3");
    fs::create_directories(dir / "remote");
    db = std::make_unique<store::database>(dir / "camgate.db");
    repo = std::make_unique<store::recording_repository>(*db);
  }
  void TearDown() override { fs::remove_all(dir); }

  // A complete recording whose file holds `size` random bytes.
  store::recording_row complete_recording(std::size_t size = 300 * 1024) {
    static int n = 0;
    store::recording_row r;
    r.resource_kind = "camera";
    r.resource_id = 3;
    r.reason = "demand";
    r.started_at = 1700000000 + n;
    r.path = (dir / "recordings" / "camera-3" / ("rec" + std::to_string(++n) + ".mp4")).string();
    std::mt19937 gen(static_cast<unsigned>(n));
    std::string bytes(size, '\0');
    for (auto& c : bytes) c = static_cast<char>(gen());
    std::ofstream(r.path, std::ios::binary) << bytes;
    const auto row = repo->start(r);
    repo->finish(row.id, row.started_at + 10, static_cast<std::int64_t>(size), 150, "complete");
    return *repo->get(row.id);
  }
};

}  // namespace

TEST(expand_command, quotes_every_value_for_the_shell) {
  store::recording_row r;
  r.id = 12;
  r.resource_kind = "camera";
  r.resource_id = 3;
  r.path = "/data/rec ordings/it's.mp4";
  EXPECT_EQ(
      expand_command("cp {path} s3:b/{resource}/{id}.mp4 {booking} {kind}{resource_id}", r, ""),
      "cp '/data/rec ordings/it'\\''s.mp4' s3:b/'camera-3'/'12'.mp4 '' 'camera''3'");
  r.booking_id = 7;
  EXPECT_EQ(expand_command("{booking} {remote} {unknown} {path", r, "s3:x/y"),
            "'7' 's3:x/y' {unknown} {path");
}

TEST_F(offloader_test, a_hostile_value_does_not_run_as_a_command) {
  const auto marker1 = dir / "injected1";
  const auto marker2 = dir / "injected2";
  store::recording_row r;
  r.id = 1;
  r.resource_kind = "camera'; touch " + marker1.string() + "; echo '";
  r.path = (dir / "a'; touch ").string() + marker2.string() + " #.mp4";
  const auto out = dir / "out.txt";
  const auto cmd = expand_command("printf '%s\\n' {resource} {path} > " + out.string(), r, "");
  const auto res = run_shell(cmd, 5s);
  ASSERT_TRUE(res.ok()) << cmd << ": " << res.stderr_tail;
  EXPECT_FALSE(fs::exists(marker1));
  EXPECT_FALSE(fs::exists(marker2));
  EXPECT_EQ(read_file(out), r.resource_kind + "-0\n" + r.path + "\n") << "passed as they are";
}

TEST_F(offloader_test, offloads_deletes_and_fetches_back_with_local_commands) {
  const auto rec = complete_recording();
  const auto original = read_file(rec.path);
  const auto remote_dir = (dir / "remote").string();
  offload_options o;
  o.on_complete = "cp {path} " + remote_dir + "/{resource}-{id}.mp4";
  o.remote_url = remote_dir + "/{resource}-{id}.mp4";
  o.delete_after_offload = true;
  o.fetch_command = "cp {remote} {path}";
  offloader off(*repo, o);
  off.completed(rec);
  ASSERT_TRUE(off.wait_idle(5s));
  const auto row = repo->get(rec.id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, "offloaded");
  const auto remote = remote_dir + "/camera-3-" + std::to_string(rec.id) + ".mp4";
  EXPECT_EQ(row->remote_url.value_or(""), remote);
  EXPECT_EQ(read_file(remote), original);
  EXPECT_FALSE(fs::exists(rec.path)) << "delete_after_offload";

  std::string error;
  ASSERT_TRUE(off.ensure_local(*row, error)) << error;
  EXPECT_EQ(read_file(rec.path), original);
  EXPECT_TRUE(off.ensure_local(*row, error)) << "present: at once";
  for (const auto& e : fs::directory_iterator(fs::path(rec.path).parent_path()))
    EXPECT_EQ(e.path().string(), rec.path) << "no temporary file left";
}

TEST_F(offloader_test, requeue_pending_offers_what_was_never_offloaded) {
  const auto a = complete_recording(1000);
  const auto b = complete_recording(2000);
  const auto remote_dir = (dir / "remote").string();
  offload_options o;
  o.on_complete = "cp {path} {remote}";
  o.remote_url = remote_dir + "/{id}.mp4";
  offloader off(*repo, o);
  EXPECT_EQ(off.requeue_pending(), 2);
  ASSERT_TRUE(off.wait_idle(5s));
  for (const auto& r : {a, b}) {
    EXPECT_EQ(repo->get(r.id)->state, "offloaded");
    EXPECT_TRUE(fs::exists(r.path)) << "kept without delete_after_offload";
    EXPECT_EQ(read_file(remote_dir + "/" + std::to_string(r.id) + ".mp4"), read_file(r.path));
  }
  EXPECT_EQ(off.requeue_pending(), 0);
}

TEST_F(offloader_test, concurrent_ensure_local_fetches_once) {
  const auto rec = complete_recording();
  const auto original = read_file(rec.path);
  const auto remote = (dir / "remote" / "x.mp4").string();
  fs::copy_file(rec.path, remote);
  repo->offloaded(rec.id, remote);
  fs::remove(rec.path);
  const auto count = dir / "fetches";
  offload_options o;
  o.fetch_command = "echo fetch >> " + count.string() + "; sleep 0.3; cp {remote} {path}";
  offloader off(*repo, o);
  const auto row = *repo->get(rec.id);
  bool ok[3] = {};
  std::string errors[3];
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] { ok[i] = off.ensure_local(row, errors[i]); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(ok[i]) << errors[i];
  EXPECT_EQ(read_file(count), "fetch\n");
  EXPECT_EQ(read_file(rec.path), original);
}

TEST_F(offloader_test, a_failed_fetch_says_why_and_leaves_nothing) {
  const auto rec = complete_recording();
  std::string error;
  offloader none(*repo, {});
  fs::remove(rec.path);
  EXPECT_FALSE(none.ensure_local(rec, error));
  EXPECT_NE(error.find("not offloaded"), std::string::npos) << error;

  repo->offloaded(rec.id, "s3:nowhere/x.mp4");
  const auto row = *repo->get(rec.id);
  EXPECT_FALSE(none.ensure_local(row, error));
  EXPECT_NE(error.find("fetch_command"), std::string::npos) << error;

  offload_options o;
  o.fetch_command = "printf partial > {path}; echo 'no such object' >&2; exit 4";
  offloader failing(*repo, o);
  EXPECT_FALSE(failing.ensure_local(row, error));
  EXPECT_NE(error.find("exit 4"), std::string::npos) << error;
  EXPECT_NE(error.find("no such object"), std::string::npos) << error;
  EXPECT_TRUE(fs::is_empty(fs::path(rec.path).parent_path())) << "no half-written file";
}

TEST_F(offloader_test, a_failing_hook_leaves_the_recording_complete_and_logs) {
  const auto rec = complete_recording();
  captured_log log;
  {
    offload_options o;
    o.on_complete = "echo working; echo 'bucket not found' >&2; exit 3";
    o.remote_url = "s3:b/{id}.mp4";
    o.delete_after_offload = true;
    offloader off(*repo, o);
    off.completed(rec);
    ASSERT_TRUE(off.wait_idle(5s));
  }
  EXPECT_EQ(repo->get(rec.id)->state, "complete");
  EXPECT_TRUE(fs::exists(rec.path));
  const auto text = log.text();
  EXPECT_NE(text.find("recording " + std::to_string(rec.id)), std::string::npos) << text;
  EXPECT_NE(text.find("exit 3"), std::string::npos) << text;
  EXPECT_NE(text.find("bucket not found"), std::string::npos) << text;
}

TEST_F(offloader_test, a_hook_past_its_timeout_is_killed_with_what_it_started) {
  const auto rec = complete_recording();
  const auto pid_file = dir / "child.pid";
  offload_options o;
  // A child of the hook too: the whole process group goes.
  o.on_complete = "sleep 30 & echo $! > " + pid_file.string() + "; wait";
  o.remote_url = "s3:b/{id}.mp4";
  o.timeout = 1s;
  const auto start = std::chrono::steady_clock::now();
  offloader off(*repo, o);
  off.completed(rec);
  ASSERT_TRUE(off.wait_idle(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(repo->get(rec.id)->state, "complete");
  const auto pid = std::stoi(read_file(pid_file));
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    // Gone, or a zombie waiting for init to reap it.
    const auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    gone = stat.empty() || stat.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone) << "sleep " << pid << " still runs";
}

TEST_F(offloader_test, rclone_offloads_to_s3_and_fetches_back) {
  const auto rclone = find_program("rclone");
  const auto node = find_program("node");
  const char* src = std::getenv("CAMGATE_SOURCE_DIR");
  const fs::path js = fs::path(src ? src : CAMGATE_TEST_SOURCE_DIR) / "tests" / "js";
  if (rclone.empty()) GTEST_SKIP() << "rclone is not installed (apt-get install rclone)";
  if (node.empty()) GTEST_SKIP() << "node is not installed";
  if (!fs::exists(js / "node_modules" / "s3rver"))
    GTEST_SKIP() << "npm s3rver is missing (cd tests/js && npm ci)";

  fs::create_directories(dir / "s3");
  camgate::testing::child_process s3(
      {node, (js / "support" / "s3rver_main.mjs").string(), (dir / "s3").string(), "camgate"});
  const auto port = s3.wait_for_line(std::regex("^([0-9]+)$"), 10s);
  ASSERT_TRUE(port) << "s3rver did not start: " << s3.output();

  // rclone configured by environment only; the hooks inherit it.
  setenv("RCLONE_CONFIG", (dir / "rclone.conf").c_str(), 1);
  setenv("RCLONE_CONFIG_S3_TYPE", "s3", 1);
  setenv("RCLONE_CONFIG_S3_PROVIDER", "Other", 1);
  setenv("RCLONE_CONFIG_S3_ENDPOINT", ("http://127.0.0.1:" + (*port)[1].str()).c_str(), 1);
  setenv("RCLONE_CONFIG_S3_ACCESS_KEY_ID", "S3RVER", 1);
  setenv("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", "S3RVER", 1);
  setenv("RCLONE_CONFIG_S3_FORCE_PATH_STYLE", "true", 1);
  // rclone 1.60's S3 client fails on any AWS_CA_BUNDLE ("unsupported transport").
  unsetenv("AWS_CA_BUNDLE");

  const auto rec = complete_recording(2 * 1024 * 1024);
  const auto original = read_file(rec.path);
  offload_options o;
  o.on_complete = "rclone copyto {path} s3:camgate/{resource}/{id}.mp4";
  o.remote_url = "s3:camgate/{resource}/{id}.mp4";
  o.delete_after_offload = true;
  o.fetch_command = "rclone copyto {remote} {path}";
  o.timeout = 20s;
  offloader off(*repo, o);
  off.completed(rec);
  ASSERT_TRUE(off.wait_idle(20s));
  const auto row = repo->get(rec.id);
  ASSERT_TRUE(row);
  ASSERT_EQ(row->state, "offloaded");
  EXPECT_EQ(row->remote_url.value_or(""), "s3:camgate/camera-3/" + std::to_string(rec.id) + ".mp4");
  EXPECT_FALSE(fs::exists(rec.path));
  // s3rver keeps each object's bytes in a file under its directory.
  bool stored = false;
  for (const auto& e : fs::recursive_directory_iterator(dir / "s3"))
    if (e.is_regular_file() && e.file_size() == original.size() && read_file(e.path()) == original)
      stored = true;
  EXPECT_TRUE(stored) << "the object is on the S3 server";

  std::string error;
  ASSERT_TRUE(off.ensure_local(*row, error)) << error;
  EXPECT_EQ(read_file(rec.path), original);

  // A missing object: no file, and a reason.
  auto gone = *row;
  gone.remote_url = "s3:camgate/camera-3/none.mp4";
  fs::remove(rec.path);
  EXPECT_FALSE(off.ensure_local(gone, error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(fs::exists(rec.path));
}
