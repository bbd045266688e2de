#include "outputs/mjpeg_output.hpp"

#include <spdlog/spdlog.h>

#include <array>

#include "hub/latest_frame_slot.hpp"
#include "outputs/page_sender.hpp"

namespace camgate::outputs {
namespace {

template <typename Stream>
class mjpeg_session : public output_session,
                      public std::enable_shared_from_this<mjpeg_session<Stream>> {
 public:
  mjpeg_session(Stream&& stream, std::shared_ptr<hub::channel> channel, mjpeg_options options)
      : stream_(std::move(stream)),
        channel_(std::move(channel)),
        options_(std::move(options)),
        sweep_timer_(stream_.get_executor()),
        home_(single_thread_home(stream_.get_executor())) {
    if constexpr (std::is_same_v<Stream, httpd::plain_stream>)
      send_pages_ = options_.zero_copy && prepare_page_sends(stream_.socket());
  }

  auto executor() { return stream_.get_executor(); }

  void begin() {
    static const std::string head =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: multipart/x-mixed-replace; boundary=" +
        std::string(mjpeg_boundary) +
        "\r\n"
        "Cache-Control: no-store, no-cache, must-revalidate, max-age=0\r\n"
        "Pragma: no-cache\r\n"
        "Expires: 0\r\n"
        "Connection: close\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "\r\n";
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    asio::async_write(stream_, asio::buffer(head),
                      [self = this->shared_from_this()](error_code ec, std::size_t n) {
                        self->write_done(ec, n);
                      });
    watch_for_close();
    sweep();
    // Show the latest picture at once instead of waiting for the next one.
    if (auto latest = channel_->latest()) slot_.offer(latest);
    channel_->subscribe(this->shared_from_this());
  }

  void deliver(const core::frame_ptr& f) override {
    if (slot_.offer(f))
      asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->pump(); });
  }

  asio::io_context* home() const override { return home_; }

  void deliver_here(const core::frame_ptr& f) override {
    if (slot_.offer(f)) pump();
  }

  void end(core::end_reason why) override {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), why] { self->close(why, core::to_string(why)); });
  }

  void notify(std::string) override {}

  void finish(std::uint16_t, std::string reason) override {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), detail = std::move(reason)] {
                 self->close(core::end_reason::viewer_closed, detail);
               });
  }

 private:
  void pump() {
    if (writing_ || closed_) return;
    in_flight_ = slot_.take();
    if (!in_flight_) return;
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    auto done = [self = this->shared_from_this()](error_code ec, std::size_t n) {
      self->write_done(ec, n);
    };
    if constexpr (std::is_same_v<Stream, httpd::plain_stream>) {
      if (send_pages_) {
        if (const auto& pages = mjpeg_part_pages(*in_flight_)) {
          async_send_pages(stream_.socket(), pages, &pipe_, std::move(done));
          return;
        }
      }
    }
    part_header_ = mjpeg_part_header(*in_flight_);
    static constexpr char crlf[] = "\r\n";
    // Scatter-gather: the frame's bytes go out from the shared frame, never copied here.
    const std::array<asio::const_buffer, 3> buffers{
        asio::buffer(part_header_), asio::buffer(in_flight_->bytes().data(), in_flight_->size()),
        asio::buffer(crlf, 2)};
    asio::async_write(stream_, buffers, std::move(done));
  }

  // One timer per session, once a second, instead of arming and cancelling one per part
  // (30 times a second per viewer): a part not drained within write_timeout ends it.
  void sweep() {
    sweep_timer_.expires_after(std::chrono::seconds(1));
    sweep_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec || self->closed_) return;
      if (self->writing_ &&
          std::chrono::steady_clock::now() - self->write_started_ >= self->options_.write_timeout) {
        self->close(core::end_reason::viewer_closed, "write timeout");
        return;
      }
      self->sweep();
    });
  }

  void write_done(error_code ec, std::size_t bytes) {
    writing_ = false;
    in_flight_.reset();
    if (ec) {
      close(core::end_reason::viewer_closed, "write failed");
      return;
    }
    channel_->count_bytes_out(bytes);
    report_skipped();
    pump();
  }

  // Frames the slot replaced since the last report, for /metrics; a viewer whose write
  // never completes reports them when it ends.
  void report_skipped() {
    const auto skipped = slot_.skipped();
    channel_->count_skipped(skipped - skipped_reported_);
    skipped_reported_ = skipped;
  }

  void watch_for_close() {
    // A viewer sends nothing after its request: a read that ends means it went away.
    stream_.async_read_some(asio::buffer(read_buffer_),
                            [self = this->shared_from_this()](error_code ec, std::size_t) {
                              if (ec)
                                self->close(core::end_reason::viewer_closed, "closed by viewer");
                              else if (!self->closed_)
                                self->watch_for_close();
                            });
  }

  // `detail` is for the log; `why` for on_closed.
  void close(core::end_reason why, std::string_view detail) {
    if (closed_) return;
    closed_ = true;
    spdlog::debug("mjpeg viewer of camera {} ends: {}", channel_->camera_id(), detail);
    channel_->unsubscribe(this);
    report_skipped();
    sweep_timer_.cancel();
    error_code ec;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    if (options_.on_closed) options_.on_closed(why);
  }

  Stream stream_;
  std::shared_ptr<hub::channel> channel_;
  mjpeg_options options_;
  hub::latest_frame_slot slot_;
  asio::steady_timer sweep_timer_;
  asio::io_context* home_;
  std::chrono::steady_clock::time_point write_started_;
  core::frame_ptr in_flight_;
  std::string part_header_;
  std::array<char, 512> read_buffer_{};
  std::uint64_t skipped_reported_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  bool send_pages_ = false;  // plain TCP with zero_copy: parts go out with sendfile
  viewer_pipe pipe_;         // its descriptors made on the first zero-copy part
};

}  // namespace

std::shared_ptr<output_session> start_mjpeg(httpd::connection&& c,
                                            std::shared_ptr<hub::channel> channel,
                                            mjpeg_options options) {
  if (!httpd::limit_unsent(c, options.unsent_limit))
    spdlog::debug("mjpeg: cannot limit unsent bytes for {}", c.remote_ip);
  return std::visit(
      [&](auto&& stream) -> std::shared_ptr<output_session> {
        using stream_type = std::decay_t<decltype(stream)>;
        auto s = std::make_shared<mjpeg_session<stream_type>>(std::move(stream), std::move(channel),
                                                              std::move(options));
        asio::dispatch(s->executor(), [s] { s->begin(); });
        return s;
      },
      std::move(c.stream));
}

}  // namespace camgate::outputs
