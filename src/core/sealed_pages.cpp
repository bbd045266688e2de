#include "core/sealed_pages.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace camgate::core {
namespace {

// One line per process: a gateway out of descriptors would otherwise log per frame.
void warn_once(const char* what, int err) {
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true))
    spdlog::warn("zero-copy frames unavailable ({}: {}); copying frames into sockets instead", what,
                 std::strerror(err));
}

}  // namespace

sealed_pages_ptr sealed_pages::make(std::span<const std::span<const std::uint8_t>> pieces) {
  const int fd = ::memfd_create("camgate-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    warn_once("memfd_create", errno);
    return nullptr;
  }
  auto fail = [fd](const char* what) {
    warn_once(what, errno);
    ::close(fd);
    return nullptr;
  };
  std::size_t total = 0;
  std::vector<iovec> iov;
  iov.reserve(pieces.size());
  for (const auto& p : pieces) {
    if (p.empty()) continue;
    iov.push_back({const_cast<std::uint8_t*>(p.data()), p.size()});
    total += p.size();
  }
  // Size first, so the writes fill allocated pages and never grow the file piecemeal.
  if (::ftruncate(fd, static_cast<off_t>(total)) != 0) return fail("ftruncate");
  std::size_t done = 0;
  std::size_t first = 0;
  while (done < total) {
    const ssize_t n = ::pwritev(fd, iov.data() + first, static_cast<int>(iov.size() - first),
                                static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("pwritev");
    }
    done += static_cast<std::size_t>(n);
    // Drop the iovecs written in full and trim the next one.
    auto left = static_cast<std::size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (first < iov.size()) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    return fail("F_ADD_SEALS");
  return sealed_pages_ptr(new sealed_pages(fd, total));
}

int sealed_pages::tee_source() const {
  std::call_once(pipe_once_, [this] {
    int p[2];
    if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return;
    // One pipe slot per page of the file (splice adds page-cache pages one per slot).
    const auto slots = (size_ + 4095) / 4096;
    loff_t off = 0;
    bool full =
        ::fcntl(p[1], F_SETPIPE_SZ, static_cast<int>(std::max<std::size_t>(slots, 1) * 4096)) >= 0;
    while (full && off < static_cast<loff_t>(size_)) {
      const ssize_t n = ::splice(fd_, &off, p[1], nullptr, size_ - static_cast<std::size_t>(off),
                                 SPLICE_F_NONBLOCK);
      if (n <= 0 && !(n < 0 && errno == EINTR)) full = false;
    }
    ::close(p[1]);
    if (full)
      pipe_ = p[0];
    else
      ::close(p[0]);
  });
  return pipe_;
}

sealed_pages::~sealed_pages() {
  if (pipe_ >= 0) ::close(pipe_);
  ::close(fd_);
}

}  // namespace camgate::core
