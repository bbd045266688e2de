#include "signaling/direct_stream.hpp"

namespace camgate::signaling {

direct_stream::direct_stream(direct_socket&& s) : socket_(std::move(s)) {
  // write_frames() must never block the signaling thread. Asio's own operations work
  // the same on a socket in non-blocking mode.
  error_code ec;
  socket_.non_blocking(true, ec);
}

std::size_t direct_stream::write_frames(std::span<const asio::const_buffer> buffers,
                                        error_code& ec) {
  const std::size_t n = socket_.write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  return n;
}

void direct_stream::wait_writable(std::function<void(error_code)> resume) {
  frames_waiting_ = true;
  socket_.async_wait(tcp::socket::wait_write, [this, resume = std::move(resume)](error_code ec) {
    // `resume` holds the channel that owns *this.
    frames_waiting_ = false;
    resume(ec);
  });
}

std::size_t text_frame_header(unsigned char* out, std::size_t size) {
  out[0] = 0x81;  // FIN, text
  if (size < 126) {
    out[1] = static_cast<unsigned char>(size);
    return 2;
  }
  if (size <= 0xffff) {
    out[1] = 126;
    out[2] = static_cast<unsigned char>(size >> 8);
    out[3] = static_cast<unsigned char>(size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<unsigned char>(size >> (56 - 8 * i));
  return 10;
}

}  // namespace camgate::signaling
