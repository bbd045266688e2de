#pragma once
#include <cstddef>
#include <functional>
#include <span>
#include <utility>

#include "core/asio.hpp"

namespace camgate::signaling {

// A plain TCP socket typed on its io_context's executor (the signaling thread's): the
// WebSocket goes over the bare socket, and no operation type-erases its executor or
// runs Beast's per-operation timeout machinery (the channel has no I/O timeouts).
using direct_socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

// The stream under the signaling WebSocket (Beast's websocket::stream over it). Beast
// reads through it and writes its own frames through it (the handshake's response,
// pongs, the close frame), and the channel writes its text frames straight to the
// socket with write_frames(): one non-blocking sendmsg that usually takes them all, with
// no asio operation, completion handler or Beast write operation per message
// (bench/analysis.md, "Signaling relay"). The two never interleave inside a frame: the
// channel does not write while a Beast write is under way (after_beast()), and Beast's
// writes wait while the channel's frames wait for room in the socket (wait_writable()).
// Everything runs on the socket's executor.
class direct_stream {
 public:
  using executor_type = direct_socket::executor_type;
  using next_layer_type = direct_socket;

  explicit direct_stream(direct_socket&& s);

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  direct_socket& next_layer() noexcept { return socket_; }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return socket_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  // Beast's writes.
  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return asio::async_initiate<Handler, void(error_code, std::size_t)>(
        [this](auto h, const ConstBuffers& b) { start_beast_write(b, std::move(h)); }, handler,
        buffers);
  }

  // Whether a Beast write is under way: then the channel must not write; after_beast()
  // posts `resume` once it is done.
  bool beast_writing() const noexcept { return beast_writes_ > 0; }
  void after_beast(std::function<void()> resume) { after_beast_ = std::move(resume); }

  // Writes what the socket takes now of `buffers` (whole frames, as the channel built
  // them), without blocking: the bytes written; `ec` is set only on a real error.
  std::size_t write_frames(std::span<const asio::const_buffer> buffers, error_code& ec);
  // After write_frames() wrote less than it was given: `resume` runs when the socket has
  // room again (or with the error). Beast's writes wait until then.
  void wait_writable(std::function<void(error_code)> resume);

 private:
  template <typename ConstBuffers, typename Handler>
  void start_beast_write(const ConstBuffers& buffers, Handler handler) {
    auto ex = asio::get_associated_executor(handler, socket_.get_executor());
    if (frames_waiting_) {
      // The channel's last frame is not all out: Beast goes after it.
      socket_.async_wait(
          tcp::socket::wait_write,
          asio::bind_executor(ex, [this, buffers, h = std::move(handler)](error_code ec) mutable {
            if (ec) {
              std::move(h)(ec, std::size_t{0});
              return;
            }
            start_beast_write(buffers, std::move(h));
          }));
      return;
    }
    ++beast_writes_;
    socket_.async_write_some(
        buffers, asio::bind_executor(
                     ex, [this, h = std::move(handler)](error_code ec, std::size_t n) mutable {
                       // Beast's handler holds the channel that owns *this; nothing after it.
                       if (--beast_writes_ == 0 && after_beast_)
                         asio::post(socket_.get_executor(), std::exchange(after_beast_, nullptr));
                       std::move(h)(ec, n);
                     }));
  }

  direct_socket socket_;
  int beast_writes_ = 0;
  bool frames_waiting_ = false;
  std::function<void()> after_beast_;
};

// An unmasked server text frame's header for a payload of `size` bytes (RFC 6455 5.2):
// its length, at most 10 bytes.
std::size_t text_frame_header(unsigned char* out, std::size_t size);

// Beast tears a WebSocket down through its next layer: the socket's own teardown.
inline void teardown(beast::role_type role, direct_stream& s, error_code& ec) {
  beast::websocket::teardown(role, s.next_layer(), ec);
}

template <typename Handler>
void async_teardown(beast::role_type role, direct_stream& s, Handler&& handler) {
  beast::websocket::async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

}  // namespace camgate::signaling
