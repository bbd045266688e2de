#include "signaling/ws_channel.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <deque>
#include <optional>
#include <type_traits>

namespace camgate::signaling {
namespace {

// The socket under a stream's lowest layer (beast::tcp_stream) or the socket itself.
template <typename Lowest>
auto& bare_socket(Lowest& lowest) {
  if constexpr (requires { lowest.socket(); })
    return lowest.socket();
  else
    return lowest;
}

template <typename Stream>
class channel_impl : public ws_channel, public std::enable_shared_from_this<channel_impl<Stream>> {
 public:
  template <typename Source>
  channel_impl(Source&& s, httpd::request req, ws_channel_options o, ws_channel_handlers h)
      : ws_(std::forward<Source>(s)), req_(std::move(req)), options_(o), handlers_(std::move(h)) {}

  asio::any_io_executor executor() override { return ws_.get_executor(); }

  void start() override {
    asio::dispatch(ws_.get_executor(), [self = this->shared_from_this()] { self->begin(); });
  }

  // defer, not post: from an I/O thread the write is queued on this thread instead of
  // waking the other one, which cost a context switch per relayed message.
  void send(std::string text) override {
    asio::defer(ws_.get_executor(),
                [self = this->shared_from_this(), t = std::move(text)]() mutable {
                  self->enqueue(std::move(t));
                });
  }

  void send_now(std::string text) override { enqueue(std::move(text)); }

  void close(std::uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), code, r = std::move(reason)]() mutable {
                 if (self->close_requested_ || self->stopped_) return;
                 self->close_requested_ = std::make_pair(code, std::move(r));
                 self->pump();
               });
  }

 private:
  void begin() {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    if (options_.idle_timeout.count() > 0) {
      t.idle_timeout = options_.idle_timeout;
      t.keep_alive_pings = true;
    } else {
      t.idle_timeout = websocket::stream_base::none();
      t.keep_alive_pings = false;
    }
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "camgate"); }));
    ws_.read_message_max(options_.max_message_bytes);
    ws_.async_accept(req_, [self = this->shared_from_this()](error_code ec) {
      if (ec) {
        self->stop("handshake failed");
        return;
      }
      self->open_ = true;
      if (self->handlers_.on_open) self->handlers_.on_open();
      self->read_next();
      self->pump();
    });
  }

  void read_next() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (ec) {
        self->stop(ec == websocket::error::closed            ? "closed by peer"
                   : ec == websocket::error::message_too_big ? "message too big"
                   : ec == beast::error::timeout             ? "heartbeat timeout"
                                                             : "disconnected");
        return;
      }
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      // One big SDP must not pin its buffer for the connection's life (10k connections).
      if (self->buffer_.capacity() > 8 * 1024) self->buffer_.shrink_to_fit();
      const bool binary = !self->ws_.got_text();
      if (self->handlers_.on_message && !self->stopped_)
        self->handlers_.on_message(std::move(text), binary);
      if (!self->stopped_) self->read_next();
    });
  }

  void enqueue(std::string&& t) {
    if (stopped_ || close_requested_) return;
    queued_bytes_ += t.size();
    if (queued_bytes_ > options_.max_queued_bytes) {
      spdlog::debug("signaling: dropping a WebSocket peer that does not read");
      // A frame partly in the socket stays: the close frame must not cut into it.
      std::optional<std::string> started;
      if (front_written_ > 0) started = std::move(queue_.front());
      queue_.clear();
      queued_bytes_ = 0;
      if (started) {
        queued_bytes_ = started->size();
        queue_.push_back(std::move(*started));
      }
      close_requested_ = std::make_pair(std::uint16_t{1008}, std::string("too slow"));
      pump();
      return;
    }
    queue_.push_back(std::move(t));
    pump();
  }

  static constexpr bool direct = std::is_same_v<Stream, direct_stream>;

  void pump() {
    if (!open_ || writing_ || stopped_ || closing_) return;
    if constexpr (direct) {
      write_frames();
      if (writing_ || stopped_) return;
    }
    if (queue_.empty()) {
      if (close_requested_) {
        closing_ = true;
        websocket::close_reason r(static_cast<websocket::close_code>(close_requested_->first),
                                  close_requested_->second);
        ws_.async_close(r, [self = this->shared_from_this()](error_code) {
          self->stop(self->close_requested_->second);
        });
      }
      return;
    }
    writing_ = true;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    ws_.text(true);
    ws_.async_write(asio::buffer(in_flight_),
                    [self = this->shared_from_this()](error_code ec, std::size_t) {
                      self->writing_ = false;
                      self->queued_bytes_ -= std::min(self->queued_bytes_, self->in_flight_.size());
                      self->in_flight_.clear();
                      if (ec) {
                        self->stop("disconnected");
                        return;
                      }
                      self->pump();
                    });
  }

  // The direct stream's path: the queued messages as text frames written straight to
  // the socket, up to 8 in one sendmsg; when the socket is full the rest waits for room.
  // No asio operation while the socket takes everything (the common case).
  void write_frames() {
    auto& stream = ws_.next_layer();
    constexpr std::size_t batch = 8;  // a backlog goes out 8 frames per sendmsg
    while (!queue_.empty()) {
      if (stream.beast_writing()) {  // a pong or the close frame: after it
        writing_ = true;
        stream.after_beast([self = this->shared_from_this()] {
          self->writing_ = false;
          self->pump();
        });
        return;
      }
      std::array<std::array<unsigned char, 10>, batch> heads;
      std::array<asio::const_buffer, 2 * batch> bufs;
      std::size_t count = 0, total = 0, i = 0;
      for (auto it = queue_.begin(); it != queue_.end() && i < batch; ++it, ++i) {
        const std::size_t head = text_frame_header(heads[i].data(), it->size());
        bufs[count++] = asio::buffer(heads[i].data(), head);
        if (!it->empty()) bufs[count++] = asio::buffer(*it);
        total += head + it->size();
      }
      // Skip what an earlier call wrote of the first frame.
      std::size_t first = 0;
      for (std::size_t skip = front_written_; skip > 0;) {
        const std::size_t n = std::min(skip, bufs[first].size());
        bufs[first] += n;
        skip -= n;
        if (bufs[first].size() == 0) ++first;
      }
      total -= front_written_;
      error_code ec;
      const std::size_t n = stream.write_frames({bufs.data() + first, count - first}, ec);
      if (ec) {
        // Not at once: this may run inside this channel's own on_message (a reply), whose
        // handler stop() would destroy. Nothing more is written meanwhile.
        writing_ = true;
        asio::post(ws_.get_executor(),
                   [self = this->shared_from_this()] { self->stop("disconnected"); });
        return;
      }
      consume_frames(n);
      if (n < total) {  // the socket is full: the rest when it has room
        writing_ = true;
        stream.wait_writable([self = this->shared_from_this()](error_code ec) {
          self->writing_ = false;
          if (ec) {
            self->stop("disconnected");
            return;
          }
          self->pump();
        });
        return;
      }
    }
  }

  // `n` more bytes of the queued frames are in the socket: drops the frames now whole.
  void consume_frames(std::size_t n) {
    front_written_ += n;
    while (!queue_.empty()) {
      unsigned char head[10];
      const std::size_t frame =
          text_frame_header(head, queue_.front().size()) + queue_.front().size();
      if (front_written_ < frame) break;
      front_written_ -= frame;
      queued_bytes_ -= std::min(queued_bytes_, queue_.front().size());
      queue_.pop_front();
    }
  }

  void stop(std::string_view why) {
    if (stopped_) return;
    stopped_ = true;
    error_code ec;
    bare_socket(beast::get_lowest_layer(ws_)).close(ec);
    if (handlers_.on_closed) handlers_.on_closed(why);
    handlers_ = {};  // break reference cycles with the owner
  }

  websocket::stream<Stream> ws_;
  httpd::request req_;
  ws_channel_options options_;
  ws_channel_handlers handlers_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::string in_flight_;
  std::size_t front_written_ = 0;  // the direct path: bytes of queue_.front()'s frame out
  std::size_t queued_bytes_ = 0;
  std::optional<std::pair<std::uint16_t, std::string>> close_requested_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool stopped_ = false;
};

}  // namespace

std::shared_ptr<ws_channel> make_ws_channel(httpd::connection&& c, ws_channel_options options,
                                            ws_channel_handlers handlers) {
  return std::visit(
      [&](auto&& stream) -> std::shared_ptr<ws_channel> {
        using stream_type = std::decay_t<decltype(stream)>;
        auto ch = std::make_shared<channel_impl<stream_type>>(std::move(stream), std::move(c.req),
                                                              options, std::move(handlers));
        // Bytes the HTTP parser read past the request belong to the WebSocket.
        return ch;
      },
      std::move(c.stream));
}

std::shared_ptr<ws_channel> make_ws_channel(direct_socket&& socket, httpd::request req,
                                            ws_channel_options options,
                                            ws_channel_handlers handlers) {
  return std::make_shared<channel_impl<direct_stream>>(std::move(socket), std::move(req), options,
                                                       std::move(handlers));
}

}  // namespace camgate::signaling
