#include "outputs/page_sender.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>

namespace camgate::outputs {

viewer_pipe::~viewer_pipe() {
  close();
}

void viewer_pipe::close() {
  if (read_ >= 0) ::close(read_);
  if (write_ >= 0) ::close(write_);
  read_ = write_ = -1;
}

void viewer_pipe::discard() {
  close();
  room_ = 0;
  refused_ = true;
}

bool viewer_pipe::refuse() {
  refused_ = true;
  // A pipe that never held a frame is of no use to this viewer: its descriptors go back.
  if (room_ == 0) close();
  return false;
}

bool viewer_pipe::fit(std::size_t bytes) {
  const std::size_t need = (bytes + 4095) / 4096 * 4096;
  if (need <= room_) return true;
  if (refused_ || (max_room_ != 0 && need > max_room_)) return false;
  if (read_ < 0) {
    int p[2];
    if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return refuse();
    read_ = p[0];
    write_ = p[1];
    // Sockets come first: a gateway whose descriptors are half used keeps the rest for
    // viewers and cameras, and sends with sendfile.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY &&
        static_cast<rlim_t>(write_) > files.rlim_cur / 2)
      return refuse();
  }
  // The kernel rounds up to a power of two of pages; EPERM past pipe-max-size or the
  // user's pipe-user-pages-soft (without CAP_SYS_RESOURCE).
  const int got = ::fcntl(write_, F_SETPIPE_SZ, static_cast<int>(need));
  if (got < 0) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      spdlog::info(
          "some viewers' frames go out with sendfile instead of tee: the kernel refused a "
          "{} KiB pipe ({}); raising fs.pipe-user-pages-soft lifts it",
          need / 1024, std::strerror(errno));
    return refuse();
  }
  room_ = static_cast<std::size_t>(got);
  return room_ >= need;
}

bool prepare_page_sends(tcp::socket& socket) {
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
  error_code ec;
  socket.non_blocking(true, ec);
  return !ec;
}

}  // namespace camgate::outputs
