#pragma once
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <sys/types.h>

namespace camgate::testing {

// A child process (camgate, camgate-camsim) whose stdout the test reads line by line.
// Killed (SIGKILL) when destroyed if still running.
class child_process {
 public:
  explicit child_process(std::vector<std::string> argv);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Reads stdout until a line matches `pattern`; returns the match or nullopt on
  // timeout/EOF. Lines read are kept in output().
  std::optional<std::smatch> wait_for_line(const std::regex& pattern,
                                           std::chrono::milliseconds timeout);
  void signal(int sig);
  int wait();  // exit status (or 128+signal)
  bool running();
  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string pending_;
  std::string output_;
  std::string last_line_;
  int status_ = -1;
};

// Path of a built binary (CAMGATE_BIN_DIR, set by CTest).
std::string bin_path(const std::string& name);

// A fresh temporary directory, removed by the destructor.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace camgate::testing
