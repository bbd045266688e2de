#pragma once
#include <sys/sendfile.h>

#include <cerrno>
#include <utility>

#include "core/asio.hpp"
#include "core/sealed_pages.hpp"

namespace camgate::outputs {

// Sends all of `pages` on the plain TCP `socket` with sendfile(2): the kernel queues
// references to the sealed pages instead of copying the bytes into each socket. Whatever
// does not fit now (TCP_NOTSENT_LOWAT) waits for the socket to be writable. Calls
// `done(ec, bytes_sent)` on the socket's executor; at once (inline) when it all fits.
// One send at a time per socket; `socket` must outlive it (the session owns both).
template <typename Done>
class page_send {
 public:
  page_send(tcp::socket& socket, core::sealed_pages_ptr pages, Done done)
      : socket_(&socket), pages_(std::move(pages)), done_(std::move(done)) {}

  void operator()(error_code ec = {}) {
    const auto size = static_cast<off_t>(pages_->size());
    if (ec) return finish(ec);
    while (offset_ < size) {
      const ssize_t n = ::sendfile(socket_->native_handle(), pages_->fd(), &offset_,
                                   static_cast<std::size_t>(size - offset_));
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        socket_->async_wait(tcp::socket::wait_write, std::move(*this));
        return;
      }
      return finish(n == 0 ? error_code(asio::error::eof)
                           : error_code(errno, boost::system::system_category()));
    }
    finish({});
  }

 private:
  void finish(error_code ec) {
    auto done = std::move(done_);
    done(ec, static_cast<std::size_t>(offset_));
  }

  tcp::socket* socket_;
  core::sealed_pages_ptr pages_;
  Done done_;
  off_t offset_ = 0;
};

// Puts `socket` in non-blocking mode (sendfile must not block the I/O thread) and makes
// sure a peer's reset ends the send with EPIPE instead of SIGPIPE (sendfile has no
// MSG_NOSIGNAL). False when the socket cannot be made non-blocking: copy instead.
bool prepare_page_sends(tcp::socket& socket);

template <typename Done>
void async_send_pages(tcp::socket& socket, core::sealed_pages_ptr pages, Done&& done) {
  page_send<std::decay_t<Done>>(socket, std::move(pages), std::forward<Done>(done))();
}

}  // namespace camgate::outputs
