#include "outputs/mjpeg_session.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace camgate::outputs {

std::shared_ptr<mjpeg_session> mjpeg_session::start(httpd::connection&& c,
                                                    std::shared_ptr<hub::channel> channel,
                                                    mjpeg_options options) {
  auto s = std::make_shared<mjpeg_session>(std::move(c), std::move(channel), options);
  asio::dispatch(s->socket_.get_executor(), [s] { s->begin(); });
  return s;
}

mjpeg_session::mjpeg_session(httpd::connection&& c, std::shared_ptr<hub::channel> channel,
                             mjpeg_options options)
    : socket_(c.stream.release_socket()),
      channel_(std::move(channel)),
      options_(options),
      write_timer_(socket_.get_executor()) {
  head_ =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: multipart/x-mixed-replace; boundary=" +
      std::string(boundary) +
      "\r\n"
      "Cache-Control: no-store, no-cache, must-revalidate, max-age=0\r\n"
      "Pragma: no-cache\r\n"
      "Expires: 0\r\n"
      "Connection: close\r\n"
      "X-Content-Type-Options: nosniff\r\n"
      "\r\n";
}

mjpeg_session::~mjpeg_session() = default;

void mjpeg_session::begin() {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(head_),
                    [self = shared_from_this()](error_code ec, std::size_t n) {
                      self->write_done(ec, n);
                    });
  watch_for_close();
  // Show the latest picture at once instead of waiting for the next one.
  if (auto latest = channel_->latest()) slot_.offer(latest);
  channel_->subscribe(shared_from_this());
}

void mjpeg_session::deliver(const core::frame_ptr& f) {
  if (slot_.offer(f))
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
}

void mjpeg_session::end(std::string_view reason) {
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), why = std::string(reason)] { self->close(why); });
}

void mjpeg_session::pump() {
  if (writing_ || closed_) return;
  in_flight_ = slot_.take();
  if (!in_flight_) return;
  const auto ts = in_flight_->capture_us();
  char header[256];
  const int n = std::snprintf(header, sizeof header,
                              "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n"
                              "X-Timestamp: %lld.%06lld\r\nX-Frame-Seq: %llu\r\n\r\n",
                              std::string(boundary).c_str(), in_flight_->size(),
                              static_cast<long long>(ts / 1000000),
                              static_cast<long long>(ts % 1000000),
                              static_cast<unsigned long long>(in_flight_->seq()));
  part_header_.assign(header, static_cast<std::size_t>(n));
  static constexpr char crlf[] = "\r\n";
  const std::array<asio::const_buffer, 3> buffers{
      asio::buffer(part_header_), asio::buffer(in_flight_->bytes().data(), in_flight_->size()),
      asio::buffer(crlf, 2)};
  writing_ = true;
  write_timer_.expires_after(options_.write_timeout);
  write_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->close("write timeout");
  });
  asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, std::size_t n) {
    self->write_done(ec, n);
  });
}

void mjpeg_session::write_done(error_code ec, std::size_t bytes) {
  writing_ = false;
  write_timer_.cancel();
  in_flight_.reset();
  if (ec) {
    close(ec.message());
    return;
  }
  channel_->count_bytes_out(bytes);
  const auto skipped = slot_.skipped();
  channel_->count_skipped(skipped - skipped_reported_);
  skipped_reported_ = skipped;
  pump();
}

void mjpeg_session::watch_for_close() {
  // A viewer never sends anything after its request: any read completion with an
  // error means it went away.
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                            if (ec)
                              self->close("viewer closed");
                            else if (!self->closed_)
                              self->watch_for_close();
                          });
}

void mjpeg_session::close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  spdlog::debug("mjpeg viewer of camera {} ends: {}", channel_->camera_id(), why);
  channel_->unsubscribe(this);
  error_code ec;
  write_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace camgate::outputs
