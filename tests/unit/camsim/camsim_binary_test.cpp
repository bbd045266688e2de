// The camgate-camsim executable as tests and scripts use it: one line with the ports on
// stdout, clean exit on SIGTERM. Skipped when the binary has not been built.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>
#include <vector>

#include "unit/camsim/test_client.hpp"

using namespace camsim_test;

namespace {

std::filesystem::path binary() {
  const char* dir = std::getenv("CAMGATE_BIN_DIR");
  return std::filesystem::path(dir ? dir : "bin") / "camgate-camsim";
}

struct child {
  pid_t pid = -1;
  int out = -1;  // its stdout

  explicit child(std::vector<std::string> args) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv;
      const auto path = binary().string();
      argv.push_back(const_cast<char*>(path.c_str()));
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(path.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out = fds[0];
  }
  ~child() {
    if (pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out >= 0) ::close(out);
  }

  // stdout until it closes or `timeout` passes.
  std::string read_stdout(ms timeout, bool until_newline) {
    std::string s;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (until_newline && s.find('\n') != std::string::npos) break;
      pollfd p{out, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[256];
      const auto n = ::read(out, buf, sizeof buf);
      if (n <= 0) break;
      s.append(buf, static_cast<std::size_t>(n));
    }
    return s;
  }

  // Exit status, or -1 if still running after `timeout`.
  int wait_exit(ms timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }
};

}  // namespace

TEST(CamsimBinary, PrintsItsPortsServesAndExitsOnSigterm) {
  if (!std::filesystem::exists(binary())) GTEST_SKIP() << binary() << " not built";
  child c({"--listen", "127.0.0.1:0", "--resolution", "320x240", "--fps", "20"});
  const auto line = c.read_stdout(3000ms, true);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      line, m, std::regex("camsim listening capture_port=(\\d+) stream_port=(\\d+)\n")))
      << line;
  const auto capture = static_cast<std::uint16_t>(std::stoi(m[1]));
  EXPECT_EQ(std::stoi(m[2]), capture + 1);
  const auto r = http_get(capture, "/capture");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  test_client streaming(capture + 1);  // a live stream must not delay the exit
  streaming.get("/stream");
  ASSERT_TRUE(streaming.read_until("\r\n\r\n"));
  ::kill(c.pid, SIGTERM);
  EXPECT_EQ(c.wait_exit(2000ms), 0);
  EXPECT_EQ(c.read_stdout(100ms, false), "");  // exactly one line
}

TEST(CamsimBinary, NoStreamReportsStreamPortZero) {
  if (!std::filesystem::exists(binary())) GTEST_SKIP() << binary() << " not built";
  child c({"--listen", "127.0.0.1:0", "--no-stream"});
  const auto line = c.read_stdout(3000ms, true);
  EXPECT_TRUE(
      std::regex_match(line, std::regex("camsim listening capture_port=\\d+ stream_port=0\n")))
      << line;
  ::kill(c.pid, SIGINT);
  EXPECT_EQ(c.wait_exit(2000ms), 0);
}

TEST(CamsimBinary, RejectsBadArguments) {
  if (!std::filesystem::exists(binary())) GTEST_SKIP() << binary() << " not built";
  for (auto args : std::vector<std::vector<std::string>>{{"--resolution", "big"},
                                                         {"--quality", "0"},
                                                         {"--listen", "nowhere"},
                                                         {"--stream-port", "other"}}) {
    child c(args);
    EXPECT_NE(c.wait_exit(2000ms), 0) << args[0];
  }
}
