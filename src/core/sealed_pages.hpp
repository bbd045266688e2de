#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

namespace camgate::core {

// Bytes in a sealed memfd, for sendfile(2). The seals (no write, no shrink, no grow, no
// more seals) mean the pages can never change once made: a socket's queued skbs still
// reference them after sendfile returns, and the fd may be closed while they do (the
// kernel holds its own page references), so no viewer can ever be sent other bytes.
class sealed_pages {
 public:
  // The pieces written one after another and sealed; nullptr when the kernel refuses
  // (no memfd, EMFILE, ...), logged once per process: callers fall back to copying.
  static std::shared_ptr<const sealed_pages> make(
      std::span<const std::span<const std::uint8_t>> pieces);

  ~sealed_pages();
  sealed_pages(const sealed_pages&) = delete;
  sealed_pages& operator=(const sealed_pages&) = delete;

  int fd() const { return fd_; }
  std::size_t size() const { return size_; }
  // The read end of a pipe that holds every byte, made on the first call (thread-safe),
  // for tee(2): a viewer's pipe gets the page references without a page-cache lookup per
  // viewer, which sendfile pays. -1 when the kernel refuses (pipe-max-size,
  // pipe-user-pages-soft, EMFILE): send from fd() instead. Never read from it: tee
  // copies references and leaves the pipe full.
  int tee_source() const;

 private:
  sealed_pages(int fd, std::size_t size) : fd_(fd), size_(size) {}
  int fd_;
  std::size_t size_;
  mutable std::once_flag pipe_once_;
  mutable int pipe_ = -1;
};

using sealed_pages_ptr = std::shared_ptr<const sealed_pages>;

}  // namespace camgate::core
