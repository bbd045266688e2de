#include "outputs/websocket_session.hpp"

#include <spdlog/spdlog.h>

namespace camgate::outputs {

std::shared_ptr<websocket_session> websocket_session::start(httpd::connection&& c,
                                                            std::shared_ptr<hub::channel> channel,
                                                            ws_format format) {
  auto s = std::make_shared<websocket_session>(std::move(c), std::move(channel), format);
  asio::dispatch(s->ws_.get_executor(), [s] {
    s->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    s->ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "camgate");
    }));
    s->ws_.read_message_max(64 * 1024);
    s->ws_.async_accept(s->req_, [s](error_code ec) { s->accepted(ec); });
  });
  return s;
}

websocket_session::websocket_session(httpd::connection&& c, std::shared_ptr<hub::channel> channel,
                                     ws_format format)
    : ws_(std::move(c.stream)), req_(std::move(c.req)), channel_(std::move(channel)),
      format_(format) {}

websocket_session::~websocket_session() = default;

void websocket_session::accepted(error_code ec) {
  if (ec) {
    spdlog::debug("websocket handshake failed: {}", ec.message());
    return;
  }
  open_ = true;
  ws_.binary(format_ == ws_format::binary);
  read_next();
  if (auto latest = channel_->latest()) {
    if (slot_.offer(latest)) pump();
  }
  channel_->subscribe(shared_from_this());
}

void websocket_session::deliver(const core::frame_ptr& f) {
  if (slot_.offer(f))
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->pump(); });
}

void websocket_session::end(std::string_view reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), why = std::string(reason)] {
    self->close(websocket::close_code::going_away, why);
  });
}

void websocket_session::pump() {
  if (!open_ || writing_ || closing_) return;
  in_flight_ = slot_.take();
  if (!in_flight_) return;
  writing_ = true;
  auto done = [self = shared_from_this()](error_code ec, std::size_t n) { self->write_done(ec, n); };
  if (format_ == ws_format::binary) {
    ws_.async_write(asio::buffer(in_flight_->bytes().data(), in_flight_->size()), done);
  } else {
    ws_.async_write(asio::buffer(in_flight_->data_url()), done);
  }
}

void websocket_session::write_done(error_code ec, std::size_t bytes) {
  writing_ = false;
  in_flight_.reset();
  if (ec) {
    stop();
    return;
  }
  channel_->count_bytes_out(bytes);
  const auto skipped = slot_.skipped();
  channel_->count_skipped(skipped - skipped_reported_);
  skipped_reported_ = skipped;
  if (closing_) return;
  pump();
}

void websocket_session::read_next() {
  // Viewers may send anything (the seed's page sends nothing); reading keeps pings,
  // pongs and the close handshake flowing and tells us when the viewer leaves.
  ws_.async_read(read_buffer_, [self = shared_from_this()](error_code ec, std::size_t) {
    self->read_buffer_.clear();
    if (ec) {
      self->stop();
      return;
    }
    self->read_next();
  });
}

void websocket_session::close(websocket::close_code code, std::string_view why) {
  if (closing_ || stopped_) return;
  closing_ = true;
  channel_->unsubscribe(this);
  if (!open_) return;
  websocket::close_reason reason(code, why);
  // Beast allows one close alongside a pending write; the pending read ends with `closed`.
  ws_.async_close(reason, [self = shared_from_this()](error_code) { self->stop(); });
}

void websocket_session::stop() {
  if (stopped_) return;
  stopped_ = true;
  channel_->unsubscribe(this);
  error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
}

}  // namespace camgate::outputs
