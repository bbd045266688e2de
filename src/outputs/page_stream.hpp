#pragma once

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "core/asio.hpp"
#include "core/sealed_pages.hpp"
#include "http/connection.hpp"
#include "outputs/page_sender.hpp"

namespace camgate::outputs {

// The plain TCP stream under a binary WebSocket's Beast stream, able to send one message
// from sealed pages. Beast frames and serializes every write (frames, notices, pongs,
// the close frame) under its own write lock; the session arms the pages just before it
// asks Beast to write that frame's JPEG, and when Beast hands this layer exactly those
// bytes (same length, same header), they go out without a copy: tee'd from the frame's
// pipe into this viewer's and spliced to the socket, as MJPEG parts are (page_send), or
// with sendfile when there is no pipe. Any other write (a control frame, a notice, a
// header that differs) passes through.
class page_stream {
 public:
  using next_layer_type = httpd::plain_stream;
  using executor_type = next_layer_type::executor_type;

  explicit page_stream(httpd::plain_stream&& s) : next_(std::move(s)) {}

  executor_type get_executor() { return next_.get_executor(); }
  next_layer_type& next_layer() { return next_; }
  const next_layer_type& next_layer() const { return next_; }

  // The next write of pages->size() bytes that starts with `header` is these pages.
  void arm(core::sealed_pages_ptr pages, std::string header) {
    drop_leftover();
    pages_ = std::move(pages);
    header_ = std::move(header);
    offset_ = 0;
  }
  void disarm() {
    pages_.reset();
    drop_leftover();
  }
  bool armed() const { return static_cast<bool>(pages_); }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return next_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return asio::async_initiate<Handler, void(error_code, std::size_t)>(
        [this](auto h, const ConstBuffers& b) {
          if (!is_armed_message(b)) {
            next_.async_write_some(b, std::move(h));
            return;
          }
          send(std::move(h));
        },
        handler, buffers);
  }

 private:
  template <typename ConstBuffers>
  bool is_armed_message(const ConstBuffers& b) {
    if (!pages_) return false;
    const auto left = pages_->size() - static_cast<std::size_t>(offset_);
    if (asio::buffer_size(b) != left) return false;
    if (offset_ != 0) return true;  // the rest of the message already begun
    std::array<char, 16> head{};
    const auto n = asio::buffer_copy(asio::buffer(head.data(), header_.size()), b);
    if (n == header_.size() && std::memcmp(head.data(), header_.data(), n) == 0) return true;
    pages_.reset();  // Beast framed it otherwise: let its bytes through
    return false;
  }

  // Some bytes (as write_some may), never completing inside the initiating call.
  template <typename Handler>
  void send(Handler h) {
    auto& socket = next_.socket();
    const auto size = static_cast<off_t>(pages_->size());
    if (offset_ == 0 && in_pipe_ == 0) in_pipe_ = tee_frame(pipe_, *pages_);
    for (;;) {
      const off_t before = offset_;
      const ssize_t n = send_next(socket.native_handle(), *pages_, &pipe_, in_pipe_, offset_);
      if (n > 0) {
        const auto sent = static_cast<std::size_t>(offset_ - before);
        if (offset_ == size) pages_.reset();
        return complete(std::move(h), {}, sent);
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        socket.async_wait(tcp::socket::wait_write, [this, h = std::move(h)](error_code ec) mutable {
          if (ec) return complete(std::move(h), ec, 0);
          if (!pages_) return complete(std::move(h), asio::error::operation_aborted, 0);
          send(std::move(h));
        });
        return;
      }
      pages_.reset();
      drop_leftover();
      return complete(std::move(h),
                      n == 0 ? error_code(asio::error::eof)
                             : error_code(errno, boost::system::system_category()),
                      0);
    }
  }

  // A message abandoned half way may have left its bytes in the pipe.
  void drop_leftover() {
    if (in_pipe_ == 0) return;
    in_pipe_ = 0;
    pipe_.discard();
  }

  template <typename Handler>
  void complete(Handler h, error_code ec, std::size_t n) {
    asio::post(next_.get_executor(), [h = std::move(h), ec, n]() mutable { std::move(h)(ec, n); });
  }

  next_layer_type next_;
  core::sealed_pages_ptr pages_;
  std::string header_;
  off_t offset_ = 0;
  viewer_pipe pipe_;         // its descriptors made on the first zero-copy message
  std::size_t in_pipe_ = 0;  // bytes of the armed message in pipe_, not yet sent
};

// The close handshake's teardown, as for the TCP stream underneath.
inline void teardown(beast::role_type role, page_stream& s, error_code& ec) {
  using beast::websocket::teardown;
  teardown(role, s.next_layer(), ec);
}

template <typename Handler>
void async_teardown(beast::role_type role, page_stream& s, Handler&& handler) {
  using beast::websocket::async_teardown;
  async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

}  // namespace camgate::outputs
