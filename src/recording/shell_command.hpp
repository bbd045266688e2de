#pragma once
#include <chrono>
#include <string>

namespace camgate::recording {

struct shell_result {
  int exit_code = -1;       // the command's exit code; 128+N when killed by signal N; -1: not run
  bool timed_out = false;   // killed (with its process group) at the timeout
  std::string error;        // why it could not start, when exit_code is -1
  std::string stdout_tail;  // the last few KiB the command wrote
  std::string stderr_tail;
  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs `command` with /bin/sh -c, stdin /dev/null, stdout and stderr captured, in its own
// process group (so a timeout kills what it started too) and without the caller's other
// file descriptors (a hook that lingers cannot hold the gateway's sockets). Blocking.
shell_result run_shell(const std::string& command, std::chrono::milliseconds timeout);

// The last `n` non-empty lines of `text`, joined with " | " (for one log line).
std::string last_lines(const std::string& text, int n);

}  // namespace camgate::recording
