#include "outputs/sse_output.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <deque>

namespace camgate::outputs {
namespace {

template <typename Stream>
class sse_session : public output_session,
                    public std::enable_shared_from_this<sse_session<Stream>> {
 public:
  sse_session(Stream&& stream, sse_options options)
      : stream_(std::move(stream)),
        options_(std::move(options)),
        write_timer_(stream_.get_executor()),
        keepalive_timer_(stream_.get_executor()) {}

  auto executor() { return stream_.get_executor(); }

  void begin() {
    const std::string head =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n"
        "X-Accel-Buffering: no\r\n"
        "X-Content-Type-Options: nosniff\r\n";
    // The client's reconnect delay after a drop: EventSource retries by itself.
    queue_.push_back(head + "\r\nretry: 2000\n\n");
    watch_for_close();
    arm_keepalive();
    pump();
  }

  void deliver(const core::frame_ptr&) override {}

  void end(core::end_reason why) override {
    asio::post(executor(), [self = this->shared_from_this(), why] {
      self->closing_ = true;
      self->why_ = why;
      self->pump();
    });
  }

  void notify(std::string text) override {
    asio::post(executor(), [self = this->shared_from_this(), t = std::move(text)]() mutable {
      self->push(std::move(t));
    });
  }

  void finish(std::uint16_t, std::string reason) override {
    asio::post(executor(), [self = this->shared_from_this(), r = std::move(reason)] {
      self->close(core::end_reason::viewer_closed, r);
    });
  }

 private:
  void push(std::string text) {
    if (closed_ || closing_) return;
    if (queue_.size() >= options_.max_queued) {
      queue_.pop_front();
      ++dropped_;
    }
    // One line per event: JSON has no raw newlines, but a stray one must not split it.
    for (auto& ch : text)
      if (ch == '\n' || ch == '\r') ch = ' ';
    if (dropped_ > 0 && text.size() > 1 && text.front() == '{' && text.back() == '}') {
      text.insert(text.size() - 1, ",\"dropped\":" + std::to_string(dropped_));
      dropped_ = 0;
    }
    queue_.push_back("data: " + text + "\n\n");
    pump();
  }

  void pump() {
    if (writing_ || closed_) return;
    if (queue_.empty()) {
      if (closing_) close(why_, "ended");
      return;
    }
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    write_timer_.expires_after(options_.write_timeout);
    write_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (!ec) self->close(core::end_reason::viewer_closed, "write timeout");
    });
    asio::async_write(stream_, asio::buffer(in_flight_),
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->write_timer_.cancel();
                        if (ec) {
                          self->close(core::end_reason::viewer_closed, "write failed");
                          return;
                        }
                        self->pump();
                      });
  }

  void arm_keepalive() {
    keepalive_timer_.expires_after(options_.keepalive);
    keepalive_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec || self->closed_) return;
      if (self->queue_.empty() && !self->writing_) {
        self->queue_.push_back(": keep-alive\n\n");
        self->pump();
      }
      self->arm_keepalive();
    });
  }

  void watch_for_close() {
    stream_.async_read_some(asio::buffer(read_buffer_),
                            [self = this->shared_from_this()](error_code ec, std::size_t) {
                              if (ec)
                                self->close(core::end_reason::viewer_closed, "closed by client");
                              else if (!self->closed_)
                                self->watch_for_close();
                            });
  }

  void close(core::end_reason why, std::string_view detail) {
    if (closed_) return;
    closed_ = true;
    spdlog::debug("event stream ends: {}", detail);
    write_timer_.cancel();
    keepalive_timer_.cancel();
    error_code ec;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    if (options_.on_closed) options_.on_closed(why);
  }

  Stream stream_;
  sse_options options_;
  asio::steady_timer write_timer_;
  asio::steady_timer keepalive_timer_;
  std::deque<std::string> queue_;
  std::string in_flight_;
  std::array<char, 512> read_buffer_{};
  std::uint64_t dropped_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  core::end_reason why_ = core::end_reason::viewer_closed;
};

}  // namespace

std::shared_ptr<output_session> start_sse(httpd::connection&& c, sse_options options) {
  return std::visit(
      [&](auto&& stream) -> std::shared_ptr<output_session> {
        using stream_type = std::decay_t<decltype(stream)>;
        auto s = std::make_shared<sse_session<stream_type>>(std::move(stream), std::move(options));
        asio::dispatch(s->executor(), [s] { s->begin(); });
        return s;
      },
      std::move(c.stream));
}

}  // namespace camgate::outputs
