#include "core/sealed_pages.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

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

sealed_pages::~sealed_pages() {
  ::close(fd_);
}

}  // namespace camgate::core
