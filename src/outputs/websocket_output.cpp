#include "outputs/websocket_output.hpp"

#include <spdlog/spdlog.h>

#include <deque>
#include <optional>
#include <tuple>

#include "hub/latest_frame_slot.hpp"
#include "outputs/page_sender.hpp"
#include "outputs/page_stream.hpp"
#include "outputs/websocket_message.hpp"

namespace camgate::outputs {
namespace {

template <typename Stream>
class websocket_session : public output_session,
                          public std::enable_shared_from_this<websocket_session<Stream>> {
 public:
  websocket_session(Stream&& stream, httpd::request req, std::shared_ptr<hub::channel> channel,
                    websocket_options options)
      : ws_(std::move(stream)),
        req_(std::move(req)),
        channel_(std::move(channel)),
        options_(std::move(options)),
        home_(single_thread_home(ws_.get_executor())) {}

  auto executor() { return ws_.get_executor(); }

  void begin() {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "camgate"); }));
    ws_.read_message_max(64 * 1024);
    // One frame per JPEG: with auto-fragmenting Beast splits a 90 KB picture into 4 KB
    // frames, one write each, which cost 7x the CPU of the same MJPEG fan-out (bench/).
    ws_.auto_fragment(false);
    ws_.async_accept(req_,
                     [self = this->shared_from_this()](error_code ec) { self->accepted(ec); });
  }

  void deliver(const core::frame_ptr& f) override {
    if (slot_.offer(f))
      asio::post(ws_.get_executor(), [self = this->shared_from_this()] { self->pump(); });
  }

  asio::io_context* home() const override { return home_; }

  void deliver_here(const core::frame_ptr& f) override {
    if (slot_.offer(f)) pump();
  }

  void end(core::end_reason why) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), why] {
      self->close(static_cast<std::uint16_t>(core::websocket_close_code(why)),
                  std::string(core::to_string(why)), why);
    });
  }

  void notify(std::string text) override {
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), t = std::move(text)]() mutable {
                 // Notices are rare (a session-expiring warning): bounded, and sent before the next
                 // frame.
                 if (self->notices_.size() < 8) self->notices_.push_back(std::move(t));
                 self->pump();
               });
  }

  void finish(std::uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), code, text = std::move(reason)] {
                 self->close(code, text, core::end_reason::viewer_closed);
               });
  }

 private:
  void accepted(error_code ec) {
    if (ec) {
      spdlog::debug("websocket handshake failed: {}", ec.message());
      stop(core::end_reason::viewer_closed);
      return;
    }
    open_ = true;
    if (pending_close_) {
      auto [code, text, why] = *pending_close_;
      close(code, text, why);
      return;
    }
    read_next();
    if (auto latest = channel_->latest()) slot_.offer(latest);
    channel_->subscribe(this->shared_from_this());
    pump();
  }

  void pump() {
    if (!open_ || writing_ || closing_) return;
    auto done = [self = this->shared_from_this()](error_code ec, std::size_t n) {
      self->write_done(ec, n);
    };
    if (!notices_.empty()) {
      notice_in_flight_ = std::move(notices_.front());
      notices_.pop_front();
      writing_ = true;
      ws_.text(true);
      ws_.async_write(asio::buffer(notice_in_flight_), done);
      return;
    }
    in_flight_ = slot_.take();
    if (!in_flight_) return;
    writing_ = true;
    if (options_.format == ws_format::binary) {
      if constexpr (std::is_same_v<Stream, page_stream>) {
        if (const auto& pages = websocket_binary_pages(*in_flight_))
          ws_.next_layer().arm(pages, websocket_binary_header(in_flight_->size()));
      }
      ws_.binary(true);
      ws_.async_write(asio::buffer(in_flight_->bytes().data(), in_flight_->size()), done);
    } else {
      ws_.text(true);
      ws_.async_write(asio::buffer(in_flight_->data_url()), done);
    }
  }

  void write_done(error_code ec, std::size_t bytes) {
    writing_ = false;
    if constexpr (std::is_same_v<Stream, page_stream>) ws_.next_layer().disarm();
    const bool was_frame = static_cast<bool>(in_flight_);
    in_flight_.reset();
    if (ec) {
      stop(core::end_reason::viewer_closed);
      return;
    }
    if (was_frame) {
      channel_->count_bytes_out(bytes);
      report_skipped();
    }
    if (closing_) return;
    pump();
  }

  // Frames the slot replaced since the last report, for /metrics; a viewer whose write
  // never completes reports them when it ends.
  void report_skipped() {
    const auto skipped = slot_.skipped();
    channel_->count_skipped(skipped - skipped_reported_);
    skipped_reported_ = skipped;
  }

  void read_next() {
    // Viewers may send anything (the seed's page sends nothing); reading keeps pings,
    // pongs and the close handshake flowing and tells us when the viewer leaves.
    ws_.async_read(read_buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->read_buffer_.clear();
      if (ec) {
        self->stop(self->closing_ ? self->close_why_ : core::end_reason::viewer_closed);
        return;
      }
      self->read_next();
    });
  }

  // `text` goes to the viewer with `code`; `why` to on_closed.
  void close(std::uint16_t code, const std::string& text, core::end_reason why) {
    if (closing_ || stopped_) return;
    if (!open_) {
      pending_close_.emplace(code, text, why);
      return;
    }
    closing_ = true;
    close_why_ = why;
    channel_->unsubscribe(this);
    websocket::close_reason reason(static_cast<websocket::close_code>(code), text);
    // Beast allows a close alongside a pending write; the pending read then ends.
    ws_.async_close(
        reason, [self = this->shared_from_this()](error_code) { self->stop(self->close_why_); });
  }

  void stop(core::end_reason why) {
    if (stopped_) return;
    stopped_ = true;
    channel_->unsubscribe(this);
    report_skipped();
    error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
    if (options_.on_closed) options_.on_closed(why);
  }

  websocket::stream<Stream> ws_;
  httpd::request req_;
  std::shared_ptr<hub::channel> channel_;
  websocket_options options_;
  hub::latest_frame_slot slot_;
  asio::io_context* home_;
  core::frame_ptr in_flight_;
  std::string notice_in_flight_;
  std::deque<std::string> notices_;
  beast::flat_buffer read_buffer_;
  std::optional<std::tuple<std::uint16_t, std::string, core::end_reason>> pending_close_;
  core::end_reason close_why_ = core::end_reason::viewer_closed;
  std::uint64_t skipped_reported_ = 0;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool stopped_ = false;
};

}  // namespace

std::shared_ptr<output_session> start_websocket(httpd::connection&& c,
                                                std::shared_ptr<hub::channel> channel,
                                                websocket_options options) {
  if (!httpd::limit_unsent(c, options.unsent_limit))
    spdlog::debug("websocket: cannot limit unsent bytes for {}", c.remote_ip);
  return std::visit(
      [&](auto&& stream) -> std::shared_ptr<output_session> {
        using stream_type = std::decay_t<decltype(stream)>;
        auto start = [&](auto&& next) -> std::shared_ptr<output_session> {
          using next_type = std::decay_t<decltype(next)>;
          auto s = std::make_shared<websocket_session<next_type>>(
              std::move(next), std::move(c.req), std::move(channel), std::move(options));
          asio::dispatch(s->executor(), [s] { s->begin(); });
          return s;
        };
        if constexpr (std::is_same_v<stream_type, httpd::plain_stream>) {
          if (options.format == ws_format::binary && options.zero_copy &&
              prepare_page_sends(stream.socket()))
            return start(page_stream(std::move(stream)));
        }
        return start(std::move(stream));
      },
      std::move(c.stream));
}

}  // namespace camgate::outputs
