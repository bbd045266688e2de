// The recorder's file writer against real files: camsim's JPEG pictures in, H.264 in
// fragmented MP4 out, read back with GStreamer's own demuxer.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "camsim/frame_generator.hpp"
#include "recording/mp4_probe.hpp"
#include "recording/mp4_writer.hpp"

extern char** environ;

using namespace camgate::recording;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string temp_path(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("camgate-rec-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

// `seconds` of camsim pictures at `fps`, paced in real time (their capture stamps).
void feed(mp4_writer& w, int fps, double seconds) {
  camgate::camsim::frame_generator gen;
  const auto start = std::chrono::steady_clock::now();
  const int n = static_cast<int>(fps * seconds);
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_until(start + i * 1000ms / fps);
    w.push(gen.render({640, 480, 70}, static_cast<std::uint64_t>(i + 1)));
  }
}

}  // namespace

TEST(mp4_writer, camera_pictures_become_a_playable_h264_mp4_with_their_timing) {
  const auto path = temp_path("plain.mp4");
  std::string error;
  auto w = mp4_writer::open({path, 800, 500ms, 1000ms, 15}, error);
  ASSERT_TRUE(w) << error;
  feed(*w, 15, 2.0);
  ASSERT_TRUE(w->finish()) << w->error();
  const auto st = w->stats();
  EXPECT_EQ(st.pictures_in, 30u);
  EXPECT_EQ(st.pictures_dropped, 0u);
  const auto r = probe_mp4(path);
  std::printf("[ perf ] 2 s of 640x480@15: %ju bytes, %d pictures, %d keyframes\n",
              static_cast<std::uintmax_t>(fs::file_size(path)), r.frames, r.keyframes);
  EXPECT_EQ(r.frames, 30) << "every picture is in the file";
  EXPECT_NEAR(r.duration_s, 29.0 / 15, 0.1) << "pictures keep their capture times";
  EXPECT_GE(r.keyframes, 2) << "a keyframe each second";
  EXPECT_EQ(r.width, 640);
  EXPECT_EQ(r.height, 480);
}

// Run in a child process by the next test: writes until killed.
TEST(mp4_writer, child_writes_until_killed) {
  const char* path = std::getenv("CAMGATE_REC_CHILD");
  if (!path) GTEST_SKIP() << "run by killed_gateway_leaves_every_fragment_but_the_last";
  std::string error;
  auto w = mp4_writer::open({path, 800, 500ms, 1000ms, 15}, error);
  ASSERT_TRUE(w) << error;
  feed(*w, 15, 3.2);
  raise(SIGKILL);  // as kill -9: no EOS, no close
}

TEST(mp4_writer, killed_gateway_leaves_every_fragment_but_the_last) {
  const auto path = temp_path("killed.mp4");
  std::string env = "CAMGATE_REC_CHILD=" + path;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(env.data());
  envp.push_back(nullptr);
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::string filter = "--gtest_filter=mp4_writer.child_writes_until_killed";
  char* argv[] = {self.data(), filter.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, envp.data()), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  const auto r = probe_mp4(path);
  std::printf("[ perf ] killed after 3.2 s: %d pictures (%.2f s) readable\n", r.frames,
              r.duration_s);
  // 48 pictures were pushed over 3.2 s: at most about a second may be lost.
  EXPECT_GE(r.frames, 48 - 15);
  EXPECT_GE(r.duration_s, 2.2);
}

TEST(mp4_writer, a_folder_that_does_not_exist_is_a_clear_error) {
  std::string error;
  auto w = mp4_writer::open({"/nonexistent-camgate-dir/x.mp4", 800, 500ms, 1000ms, 15}, error);
  EXPECT_FALSE(w);
  EXPECT_NE(error.find("/nonexistent-camgate-dir/x.mp4"), std::string::npos) << error;
}
