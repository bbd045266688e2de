#include "recording/shell_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

extern char** environ;

namespace camgate::recording {

namespace {

constexpr std::size_t tail_bytes = 8 * 1024;

void keep_tail(std::string& tail, const char* data, std::size_t n) {
  tail.append(data, n);
  if (tail.size() > tail_bytes) tail.erase(0, tail.size() - tail_bytes);
}

int status_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

shell_result run_shell(const std::string& command, std::chrono::milliseconds timeout) {
  shell_result out;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    out.error = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    out.error = std::string("pipe: ") + std::strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return out;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group; no blocked signals and SIGPIPE back to default (the gateway
  // ignores it for its sockets, a `cmd | head` in a hook needs it).
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string sh = "/bin/sh";
  std::string dash_c = "-c";
  std::string cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    out.error = std::string("cannot start /bin/sh: ") + std::strerror(rc);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return out;
  }

  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  std::optional<clock::time_point> exited_at;
  int status = 0;
  std::vector<pollfd> fds{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* tails[] = {&out.stdout_tail, &out.stderr_tail};
  for (;;) {
    if (!exited_at && waitpid(pid, &status, WNOHANG) == pid) exited_at = clock::now();
    const bool open = fds[0].fd >= 0 || fds[1].fd >= 0;
    // Done when the shell has exited and its output is read; something it left running
    // in the background may hold the pipes: stop reading them shortly after the exit.
    if (exited_at && (!open || clock::now() - *exited_at > std::chrono::milliseconds(500))) break;
    if (clock::now() >= deadline) {
      out.timed_out = true;
      ::kill(-pid, SIGKILL);
      if (!exited_at) waitpid(pid, &status, 0);
      break;
    }
    // Short polls: the shell's exit is noticed even when nothing is written.
    if (poll(fds.data(), fds.size(), open ? 50 : 20) < 0 && errno != EINTR) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const auto n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        keep_tail(*tails[i], buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative descriptors
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  out.exit_code = status_code(status);
  return out;
}

std::string last_lines(const std::string& text, int n) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    auto line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  std::string out;
  const auto first = lines.size() > static_cast<std::size_t>(n) ? lines.size() - n : 0;
  for (auto i = first; i < lines.size(); ++i) {
    if (!out.empty()) out += " | ";
    out += lines[i];
  }
  return out;
}

}  // namespace camgate::recording
