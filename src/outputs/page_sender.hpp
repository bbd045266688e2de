#pragma once
#include <fcntl.h>
#include <sys/sendfile.h>

#include <cerrno>
#include <utility>

#include "core/asio.hpp"
#include "core/sealed_pages.hpp"

namespace camgate::outputs {

// A viewer's own pipe for tee(2) sends: a frame's pipe (sealed_pages::tee_source) is
// tee'd into it, which copies page references only, and spliced from it into the socket.
// Against sendfile that saves the page-cache lookup of every page for every viewer (about
// a fifth of the sender's CPU at 500 viewers of 720p; bench/analysis.md). Costs two
// descriptors and pipe pages that fs.pipe-user-pages-soft caps per user: when it cannot
// have one, or one big enough for a frame, the send uses sendfile.
class viewer_pipe {
 public:
  // `max_room`: the most bytes of slots it may ask for (0: what the kernel allows).
  explicit viewer_pipe(std::size_t max_room = 0) : max_room_(max_room) {}
  ~viewer_pipe();
  viewer_pipe(const viewer_pipe&) = delete;
  viewer_pipe& operator=(const viewer_pipe&) = delete;
  // Movable, as the stream that holds it (page_stream) must be: the descriptors go along.
  viewer_pipe(viewer_pipe&& o) noexcept
      : read_(std::exchange(o.read_, -1)),
        write_(std::exchange(o.write_, -1)),
        max_room_(o.max_room_),
        room_(std::exchange(o.room_, 0)),
        refused_(o.refused_) {}
  viewer_pipe& operator=(viewer_pipe&&) = delete;

  // Room for a frame of `bytes` (one slot per page); false: send this frame with sendfile.
  bool fit(std::size_t bytes);
  int read_end() const { return read_; }
  int write_end() const { return write_; }
  // Part of a frame is left in it (its send was abandoned): those bytes must never reach
  // the socket, so the pipe goes and this viewer's later frames use sendfile.
  void discard();

 private:
  void close();
  bool refuse();  // no tee for this viewer from now on; false

  int read_ = -1;
  int write_ = -1;
  std::size_t max_room_;
  std::size_t room_ = 0;  // bytes of page slots
  bool refused_ = false;  // the kernel said no: do not ask again for this viewer
};

// Tees the frame's pipe (sealed_pages::tee_source) into the viewer's `pipe` when it has
// room: page references only. Returns the bytes now in the pipe, the frame's first ones
// (0: send it all with sendfile).
inline std::size_t tee_frame(viewer_pipe& pipe, const core::sealed_pages& pages) {
  if (!pipe.fit(pages.size())) return 0;
  const int source = pages.tee_source();
  if (source < 0) return 0;
  const ssize_t n = ::tee(source, pipe.write_end(), pages.size(), SPLICE_F_NONBLOCK);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

// One non-blocking send of the frame's next bytes to `socket`: from the viewer's pipe
// while the tee put some there (`in_pipe`), then from the file. Advances `offset` (and
// `in_pipe`) by what went; returns the system call's result.
inline ssize_t send_next(int socket, const core::sealed_pages& pages, viewer_pipe* pipe,
                         std::size_t& in_pipe, off_t& offset) {
  if (in_pipe > 0) {
    const ssize_t n = ::splice(pipe->read_end(), nullptr, socket, nullptr, in_pipe,
                               SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    if (n > 0) {
      in_pipe -= static_cast<std::size_t>(n);
      offset += n;
    }
    return n;
  }
  return ::sendfile(socket, pages.fd(), &offset, pages.size() - static_cast<std::size_t>(offset));
}

// Sends all of `pages` on the plain TCP `socket`: the kernel queues references to the
// sealed pages instead of copying the bytes into each socket. With a `pipe`, the frame's
// pipe is tee'd into it and spliced out; what it could not take, or everything without
// one, goes with sendfile(2). Whatever does not fit now (TCP_NOTSENT_LOWAT) waits for the
// socket to be writable. Calls `done(ec, bytes_sent)` on the socket's executor; at once
// (inline) when it all fits. One send at a time per socket; `socket` and `pipe` must
// outlive it (the session owns them).
template <typename Done>
class page_send {
 public:
  page_send(tcp::socket& socket, core::sealed_pages_ptr pages, viewer_pipe* pipe, Done done)
      : socket_(&socket),
        pages_(std::move(pages)),
        pipe_(pipe),
        done_(std::move(done)),
        in_pipe_(pipe_ ? tee_frame(*pipe_, *pages_) : 0) {}

  void operator()(error_code ec = {}) {
    if (ec) return finish(ec);
    while (offset_ < static_cast<off_t>(pages_->size())) {
      const ssize_t n = send_next(socket_->native_handle(), *pages_, pipe_, in_pipe_, offset_);
      if (n > 0) continue;
      if (!retry(n)) return;
    }
    finish({});
  }

 private:
  // After a send returned n <= 0: true to try again now; false when it waits for the
  // socket or has finished with the error.
  bool retry(ssize_t n) {
    if (n < 0 && errno == EINTR) return true;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      socket_->async_wait(tcp::socket::wait_write, std::move(*this));
      return false;
    }
    finish(n == 0 ? error_code(asio::error::eof)
                  : error_code(errno, boost::system::system_category()));
    return false;
  }

  void finish(error_code ec) {
    auto done = std::move(done_);
    done(ec, static_cast<std::size_t>(offset_));
  }

  tcp::socket* socket_;
  core::sealed_pages_ptr pages_;
  viewer_pipe* pipe_;
  Done done_;
  off_t offset_ = 0;
  std::size_t in_pipe_ = 0;  // bytes of this frame in the viewer's pipe, not yet sent
};

// Puts `socket` in non-blocking mode (sendfile must not block the I/O thread) and makes
// sure a peer's reset ends the send with EPIPE instead of SIGPIPE (sendfile has no
// MSG_NOSIGNAL). False when the socket cannot be made non-blocking: copy instead.
bool prepare_page_sends(tcp::socket& socket);

template <typename Done>
void async_send_pages(tcp::socket& socket, core::sealed_pages_ptr pages, viewer_pipe* pipe,
                      Done&& done) {
  page_send<std::decay_t<Done>>(socket, std::move(pages), pipe, std::forward<Done>(done))();
}

}  // namespace camgate::outputs
