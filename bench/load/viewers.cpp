// camgate-viewers: opens N viewers of one camgate stream from a single process and
// prints one JSON object with frame rates, latency and skipped frames per group.
//
// It shares the machine with the gateway, so it is built to cost little: one
// io_context (1 thread unless --threads), per-viewer buffers allocated once, MJPEG
// parsed by Content-Length and WebSocket frames by their length without touching the
// picture bytes, and only the first 192 bytes of a base64 frame decoded to find the
// camera's timestamp.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/asio.hpp"
#include "core/base64.hpp"
#include "core/clock.hpp"
#include "core/jpeg_markers.hpp"
#include "histogram.hpp"
#include "sources/chunked_decoder.hpp"
#include "url.hpp"

namespace camgate::bench {
namespace {

using json = nlohmann::ordered_json;

enum class mode { mjpeg, ws_binary, ws_text, snapshot };

struct options {
  std::string url;
  std::string mode_name = "mjpeg";
  int viewers = 1;
  double duration_s = 10;
  double warmup_s = 2;
  double slow_fraction = 0;
  double slow_fps = 1;
  int threads = 1;
  double min_fps = 29;
  std::string token;                   // sent as "Authorization: Bearer" when set
  std::string text_decode = "prefix";  // ws-text: prefix | full
  std::size_t read_buffer = 64 * 1024;
  int rcvbuf = 0;  // SO_RCVBUF for every viewer; 0 keeps the kernel's autotuning
};

// What every viewer shares, read-only once the run starts.
struct run_setup {
  mode m = mode::mjpeg;
  tcp::endpoint endpoint;
  std::string host_header;
  std::string target;
  std::string token;
  bool full_text_decode = false;
  std::size_t read_buffer = 64 * 1024;
  int rcvbuf = 0;
  // The measurement window in unix µs: frames completing outside it are not counted.
  std::int64_t window_start_us = 0;
  std::int64_t window_end_us = 0;
};

// Counters of one viewer; touched only from that viewer's strand until the run ends.
struct viewer_stats {
  std::uint64_t frames = 0;  // completed inside the window
  std::uint64_t frames_total = 0;
  std::uint64_t bytes = 0;         // picture bytes inside the window
  std::uint64_t skipped = 0;       // gaps in the frame sequence inside the window
  std::uint64_t bad_frames = 0;    // not SOI..EOI, or wrong message type
  std::uint64_t no_timestamp = 0;  // no capture time found
  histogram latency;               // µs, receipt - capture (snapshot: request - answer)
  bool connected = false;
  bool failed = false;
  bool disconnected = false;  // the stream ended after it had started
  std::string error;
  std::optional<std::uint64_t> last_seq;

  void record(const run_setup& rs, std::int64_t now_us, std::optional<std::int64_t> capture_us,
              std::optional<std::uint64_t> seq, std::size_t size) {
    ++frames_total;
    const bool in_window = now_us >= rs.window_start_us && now_us < rs.window_end_us;
    if (seq) {
      if (in_window && last_seq && *seq > *last_seq + 1) skipped += *seq - *last_seq - 1;
      last_seq = seq;
    }
    if (!in_window) return;
    ++frames;
    bytes += size;
    if (capture_us)
      latency.record(now_us - *capture_us);
    else
      ++no_timestamp;
  }
};

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <typename T>
std::optional<T> to_number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p == s.data()) return std::nullopt;
  return v;
}

// "1712345678.123456" (seconds.microseconds, as X-Timestamp) to unix µs.
std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  const auto dot = s.find('.');
  const auto sec = to_number<std::int64_t>(s.substr(0, dot));
  if (!sec) return std::nullopt;
  std::int64_t us = 0;
  if (dot != std::string_view::npos) {
    auto frac = s.substr(dot + 1, 6);
    auto f = to_number<std::int64_t>(frac);
    if (!f) return std::nullopt;
    us = *f;
    for (std::size_t i = frac.size(); i < 6; ++i) us *= 10;
  }
  return *sec * 1000000 + us;
}

class viewer {
 public:
  virtual ~viewer() = default;
  virtual void start() = 0;
  viewer_stats stats;
  bool slow = false;
};

void note_failure(viewer_stats& st, std::string_view what, const error_code& ec) {
  if (st.failed) return;
  st.failed = true;
  // The gateway ending a stream that had started is a disconnect, anything else an error.
  st.disconnected = st.connected;
  st.error = std::string(what) + (ec ? ": " + ec.message() : std::string());
}

// A viewer on a plain socket: connects, sends its request, then hands every chunk it
// reads to a parser. Picture bytes land in one buffer allocated once and are skipped
// over, never copied. A slow viewer stops reading for 1/R s after each frame, so the
// socket buffers fill and TCP back-pressure reaches the gateway.
class socket_viewer : public viewer {
 public:
  socket_viewer(asio::io_context& ioc, const run_setup& rs, bool is_slow, double slow_fps,
                const std::string& request)
      : rs_(rs),
        request_(request),
        socket_(asio::make_strand(ioc)),
        pause_(socket_.get_executor()),
        buffer_(std::make_unique<std::uint8_t[]>(rs.read_buffer)),
        period_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(1.0 / slow_fps))) {
    slow = is_slow;
    header_.reserve(512);
  }

  void start() override {
    asio::dispatch(socket_.get_executor(), [this] {
      error_code ec;
      socket_.open(rs_.endpoint.protocol(), ec);
      if (!ec && rs_.rcvbuf > 0)
        socket_.set_option(asio::socket_base::receive_buffer_size(rs_.rcvbuf), ec);
      if (ec) return fail("socket", ec);
      socket_.async_connect(rs_.endpoint, [this](error_code ec) {
        if (ec) return fail("connect", ec);
        asio::async_write(socket_, asio::buffer(request_), [this](error_code ec, std::size_t) {
          if (ec) return fail("send request", ec);
          read_more();
        });
      });
    });
  }

 protected:
  // Works through buffer_[begin_, end_), then calls read_more(), unless it failed or a
  // slow viewer paused (the rest of the buffer is parsed when the pause ends).
  virtual void consume() = 0;

  void read_more() {
    socket_.async_read_some(asio::buffer(buffer_.get(), rs_.read_buffer),
                            [this](error_code ec, std::size_t n) {
                              if (ec) return fail("read", ec);
                              begin_ = 0;
                              end_ = n;
                              raw_from_ = 0;
                              consume();
                            });
  }

  // Feeds one byte of an HTTP head; true once "\r\n\r\n" completed it. Heads are
  // ~150 bytes a frame, so byte by byte is cheap.
  bool head_byte(char c) {
    if (header_.empty() && (c == '\r' || c == '\n')) return false;  // CRLF ending a part
    header_.push_back(c);
    if (header_.size() > 16 * 1024) {
      fail("header over 16 KiB", {});
      return false;
    }
    return header_.size() >= 4 && header_.ends_with("\r\n\r\n");
  }

  // Records a frame; returns true when a slow viewer pauses now.
  bool frame_done(std::optional<std::int64_t> capture_us, std::optional<std::uint64_t> seq,
                  std::size_t size) {
    stats.record(rs_, core::unix_micros(), capture_us, seq, size);
    if (!slow) return false;
    pause_.expires_after(period_);
    pause_.async_wait([this](error_code ec) {
      if (!ec && !stats.failed) consume();
    });
    return true;
  }

  void fail(const std::string& what, const error_code& ec) {
    note_failure(stats, what, ec);
    error_code ignored;
    socket_.close(ignored);
  }

  const run_setup& rs_;
  std::string request_;
  tcp::socket socket_;
  asio::steady_timer pause_;
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t raw_from_ = 0;  // bytes from here on are as read (not yet de-chunked)
  std::string header_;
  std::chrono::steady_clock::duration period_;
};

// Tracks the first and last two bytes of a picture streamed through in pieces.
struct soi_eoi_check {
  std::size_t pos = 0;
  bool head_ok = true;
  std::uint16_t tail = 0;

  void reset() {
    pos = 0;
    head_ok = true;
    tail = 0;
  }
  void feed(const std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n && pos + i < 2; ++i)
      if (p[i] != (pos + i == 0 ? 0xFF : 0xD8)) head_ok = false;
    pos += n;
    if (n >= 2)
      tail = static_cast<std::uint16_t>((p[n - 2] << 8) | p[n - 1]);
    else if (n == 1)
      tail = static_cast<std::uint16_t>((tail << 8) | p[0]);
  }
  bool ok() const { return head_ok && pos >= 4 && tail == 0xFFD9; }
};

// MJPEG: part heads are parsed, picture bodies skipped by Content-Length. The capture
// time and sequence come from the part's X-Timestamp / X-Frame-Seq (camgate), or else
// from the camgate-ts comment camsim writes right after SOI (a proxy that passes the
// camera's parts through).
class mjpeg_viewer final : public socket_viewer {
 public:
  using socket_viewer::socket_viewer;

 private:
  enum class state { response_head, part_head, body };
  static constexpr std::size_t stamp_bytes = 192;

  void consume() override {
    while (begin_ < end_) {
      if (chunked_ && raw_from_ < end_) {
        // motion's stream is chunked: decoded in place (data never grows) with the
        // gateway's own decoder.
        const std::size_t from = std::max(raw_from_, begin_);
        std::size_t out = from;
        const bool ok = dechunk_.feed(
            std::span<const std::uint8_t>(buffer_.get() + from, end_ - from), [&](auto piece) {
              std::memmove(buffer_.get() + out, piece.data(), piece.size());
              out += piece.size();
            });
        end_ = raw_from_ = out;
        if (!ok || dechunk_.done()) return fail("chunked stream ended or broken", {});
        if (begin_ >= end_) break;
      }
      if (state_ == state::body) {
        const std::size_t take = std::min(remaining_, end_ - begin_);
        check_.feed(buffer_.get() + begin_, take);
        if (head_len_ < stamp_bytes) {
          const std::size_t keep = std::min(take, stamp_bytes - head_len_);
          std::memcpy(head_.data() + head_len_, buffer_.get() + begin_, keep);
          head_len_ += keep;
        }
        begin_ += take;
        remaining_ -= take;
        if (remaining_ == 0 && body_done()) return;  // paused
        continue;
      }
      if (head_byte(static_cast<char>(buffer_[begin_++])) && !head_done()) return;
      if (stats.failed) return;
    }
    read_more();
  }

  bool body_done() {
    state_ = state::part_head;
    if (!check_.ok()) ++stats.bad_frames;
    if (!capture_us_ || !seq_) {
      const auto info = core::jpeg::scan(std::span<const std::uint8_t>(head_.data(), head_len_));
      if (!capture_us_) capture_us_ = info.capture_us;
      if (!seq_) seq_ = info.seq;
    }
    return frame_done(capture_us_, seq_, size_);
  }

  // False when the viewer failed or paused.
  bool head_done() {
    std::string_view h(header_);
    if (state_ == state::response_head) {
      if (!h.starts_with("HTTP/1.1 200") && !h.starts_with("HTTP/1.0 200")) {
        fail("status " + std::string(h.substr(0, std::min<std::size_t>(h.find('\r'), 40))), {});
        return false;
      }
      stats.connected = true;
      state_ = state::part_head;
      for (auto line = h; !line.empty();) {
        const auto eol = line.find("\r\n");
        if (iequals_prefix(line.substr(0, eol), "transfer-encoding:") &&
            line.substr(0, eol).find("chunked") != std::string_view::npos)
          chunked_ = true;
        line.remove_prefix(eol == std::string_view::npos ? line.size() : eol + 2);
      }
      raw_from_ = begin_;
      header_.clear();
      return true;
    }
    std::optional<std::size_t> length;
    capture_us_.reset();
    seq_.reset();
    if (!h.starts_with("--")) {
      fail("part without boundary", {});
      return false;
    }
    while (!h.empty()) {
      const auto eol = h.find("\r\n");
      const auto line = h.substr(0, eol);
      h.remove_prefix(eol == std::string_view::npos ? h.size() : eol + 2);
      if (iequals_prefix(line, "content-length:"))
        length = to_number<std::size_t>(trim(line.substr(15)));
      else if (iequals_prefix(line, "x-timestamp:"))
        capture_us_ = parse_timestamp(trim(line.substr(12)));
      else if (iequals_prefix(line, "x-frame-seq:"))
        seq_ = to_number<std::uint64_t>(trim(line.substr(12)));
    }
    header_.clear();
    if (!length || *length > 64 * 1024 * 1024) {
      fail("part without a usable Content-Length", {});
      return false;
    }
    state_ = state::body;
    remaining_ = size_ = *length;
    check_.reset();
    head_len_ = 0;
    if (remaining_ == 0) return !body_done();
    return true;
  }

  state state_ = state::response_head;
  std::size_t remaining_ = 0;
  std::size_t size_ = 0;
  soi_eoi_check check_;
  std::optional<std::int64_t> capture_us_;
  std::optional<std::uint64_t> seq_;
  std::array<std::uint8_t, stamp_bytes> head_{};
  std::size_t head_len_ = 0;
  bool chunked_ = false;
  sources::chunked_decoder dechunk_;
};

// The camgate-ts comment from a "data:image/jpeg;base64,..." message. It sits right
// after SOI, so 256 symbols (192 bytes) hold it; the full decode is the fallback.
std::optional<core::jpeg::info> stamp_from_text(std::string_view msg, bool full) {
  static constexpr std::string_view prefix = "data:image/jpeg;base64,";
  if (!msg.starts_with(prefix)) return std::nullopt;
  msg.remove_prefix(prefix.size());
  if (!full) {
    const auto head = core::base64_decode(
        msg.substr(0, std::min<std::size_t>(msg.size(), 256) & ~std::size_t{3}));
    if (head) {
      auto info = core::jpeg::scan(*head);
      if (info.capture_us) return info;
    }
  }
  const auto all = core::base64_decode(msg);
  if (!all) return std::nullopt;
  return core::jpeg::scan(*all);
}

// The fixed Sec-WebSocket-Key of RFC 6455's example and the accept value it implies.
constexpr std::string_view ws_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view ws_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// WebSocket (RFC 6455, client side) parsed by hand: a general client (Beast) reads
// each frame with its own small reads, ~45 recvmsg per 90 KB picture against ~3 for
// MJPEG, and would make the load generator the bottleneck. Only the first bytes of a
// message are kept (the timestamp is there); the rest is skipped like an MJPEG body.
class ws_viewer final : public socket_viewer {
 public:
  using socket_viewer::socket_viewer;

 private:
  enum class state { response_head, frame_head, payload };
  static constexpr std::size_t prefix_capacity = 512;

  void consume() override {
    while (begin_ < end_) {
      switch (state_) {
        case state::response_head:
          if (head_byte(static_cast<char>(buffer_[begin_++])) && !head_done()) return;
          if (stats.failed) return;
          break;
        case state::frame_head:
          frame_head_[head_len_++] = buffer_[begin_++];
          if (head_len_ == head_need() && !frame_head_done()) return;
          break;
        case state::payload: {
          const std::size_t take = std::min(remaining_, end_ - begin_);
          payload(buffer_.get() + begin_, take);
          begin_ += take;
          remaining_ -= take;
          if (remaining_ == 0 && !frame_end()) return;
          break;
        }
      }
    }
    read_more();
  }

  bool head_done() {
    std::string_view h(header_);
    if (!h.starts_with("HTTP/1.1 101")) {
      fail("status " + std::string(h.substr(0, std::min<std::size_t>(h.find('\r'), 40))), {});
      return false;
    }
    if (h.find(ws_accept) == std::string_view::npos) {
      fail("handshake without the expected Sec-WebSocket-Accept", {});
      return false;
    }
    header_.clear();
    stats.connected = true;
    state_ = state::frame_head;
    return true;
  }

  // Bytes the current frame head needs, known as it arrives.
  std::size_t head_need() const {
    if (head_len_ < 2) return 2;
    const std::size_t len7 = frame_head_[1] & 0x7F;
    const std::size_t mask = (frame_head_[1] & 0x80) ? 4 : 0;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + mask;
  }

  bool frame_head_done() {
    const bool fin = frame_head_[0] & 0x80;
    opcode_ = frame_head_[0] & 0x0F;
    if (frame_head_[1] & 0x80) {
      fail("masked frame from the server", {});
      return false;
    }
    std::uint64_t len = frame_head_[1] & 0x7F;
    if (len == 126) len = (std::uint64_t{frame_head_[2]} << 8) | frame_head_[3];
    if (len == 127) {
      len = 0;
      for (int i = 2; i < 10; ++i) len = (len << 8) | frame_head_[i];
    }
    head_len_ = 0;
    fin_ = fin;
    remaining_ = len;
    control_len_ = 0;
    if (opcode_ >= 8) {
      if (len > 125 || !fin) {
        fail("malformed control frame", {});
        return false;
      }
    } else if (opcode_ == 1 || opcode_ == 2) {
      if (in_message_) {
        fail("new message inside a fragmented one", {});
        return false;
      }
      in_message_ = true;
      text_ = opcode_ == 1;
      msg_size_ = 0;
      prefix_len_ = 0;
      check_.reset();
      if (rs_.full_text_decode) full_.clear();
    } else if (opcode_ != 0 || !in_message_) {
      fail("unexpected opcode " + std::to_string(opcode_), {});
      return false;
    }
    state_ = state::payload;
    if (remaining_ == 0) return frame_end();
    return true;
  }

  void payload(const std::uint8_t* p, std::size_t n) {
    if (opcode_ >= 8) {
      std::copy(p, p + n, control_.begin() + static_cast<std::ptrdiff_t>(control_len_));
      control_len_ += n;
      return;
    }
    msg_size_ += n;
    if (prefix_len_ < prefix_capacity) {
      const std::size_t k = std::min(n, prefix_capacity - prefix_len_);
      std::copy(p, p + k, prefix_.begin() + static_cast<std::ptrdiff_t>(prefix_len_));
      prefix_len_ += k;
    }
    if (text_) {
      if (rs_.full_text_decode) full_.append(reinterpret_cast<const char*>(p), n);
    } else {
      check_.feed(p, n);
    }
  }

  // False when the viewer failed or paused.
  bool frame_end() {
    state_ = state::frame_head;
    if (opcode_ == 8) {
      const int code = control_len_ >= 2 ? (control_[0] << 8) | control_[1] : 0;
      fail("closed by the gateway (" + std::to_string(code) + ")", {});
      return false;
    }
    if (opcode_ == 9) {
      pong();
      return true;
    }
    if (opcode_ == 10 || !fin_) return true;
    in_message_ = false;
    std::optional<core::jpeg::info> info;
    const bool want_binary = rs_.m == mode::ws_binary;
    if (text_ == want_binary) {
      ++stats.bad_frames;  // text where binary was asked for, or the other way round
    } else if (!text_) {
      if (!check_.ok()) ++stats.bad_frames;
      info = core::jpeg::scan({prefix_.data(), prefix_len_});
    } else {
      const std::string_view head(reinterpret_cast<const char*>(prefix_.data()), prefix_len_);
      info = rs_.full_text_decode ? stamp_from_text(full_, true) : stamp_from_text(head, false);
      if (!info) ++stats.bad_frames;
    }
    const std::size_t size = text_ ? msg_size_ / 4 * 3 : msg_size_;
    return !frame_done(info ? info->capture_us : std::nullopt, info ? info->seq : std::nullopt,
                       size);
  }

  // Answers a ping (the gateway's keep-alive) with a masked pong carrying its payload.
  void pong() {
    if (pong_pending_) return;
    pong_pending_ = true;
    pong_[0] = 0x8A;
    pong_[1] = static_cast<std::uint8_t>(0x80 | control_len_);
    std::fill(pong_.begin() + 2, pong_.begin() + 6, 0);  // mask key 0: payload unchanged
    std::copy(control_.begin(), control_.begin() + static_cast<std::ptrdiff_t>(control_len_),
              pong_.begin() + 6);
    asio::async_write(socket_, asio::buffer(pong_.data(), 6 + control_len_),
                      [this](error_code ec, std::size_t) {
                        pong_pending_ = false;
                        if (ec) fail("send pong", ec);
                      });
  }

  state state_ = state::response_head;
  std::array<std::uint8_t, 14> frame_head_{};
  std::size_t head_len_ = 0;
  int opcode_ = 0;
  bool fin_ = false;
  std::uint64_t remaining_ = 0;
  bool in_message_ = false;
  bool text_ = false;
  std::size_t msg_size_ = 0;
  std::array<std::uint8_t, prefix_capacity> prefix_{};
  std::size_t prefix_len_ = 0;
  std::string full_;  // the whole text message, only with --text-decode full
  soi_eoi_check check_;
  std::array<std::uint8_t, 125> control_{};
  std::size_t control_len_ = 0;
  std::array<std::uint8_t, 131> pong_{};
  bool pong_pending_ = false;
};
// One keep-alive client asking for snapshots back to back.
class snapshot_client final : public viewer {
 public:
  snapshot_client(asio::io_context& ioc, const run_setup& rs)
      : rs_(rs), stream_(asio::make_strand(ioc)) {
    req_.method(http::verb::get);
    req_.target(rs_.target);
    req_.version(11);
    req_.set(http::field::host, rs_.host_header);
    req_.set(http::field::user_agent, "camgate-viewers");
    if (!rs_.token.empty()) req_.set(http::field::authorization, "Bearer " + rs_.token);
    req_.keep_alive(true);
  }

  void start() override {
    asio::dispatch(stream_.get_executor(), [this] { connect(); });
  }

 private:
  void connect() {
    stream_.async_connect(rs_.endpoint, [this](error_code ec) {
      if (ec) return fail("connect", ec);
      stats.connected = true;
      send();
    });
  }

  void send() {
    sent_us_ = core::steady_micros();
    http::async_write(stream_, req_, [this](error_code ec, std::size_t) {
      if (ec) return fail("send request", ec);
      parser_.emplace();
      parser_->body_limit(64 * 1024 * 1024);
      http::async_read(stream_, buffer_, *parser_, [this](error_code ec, std::size_t) {
        if (ec) return fail("read", ec);
        on_response();
      });
    });
  }

  void on_response() {
    const auto now_unix = core::unix_micros();
    const auto now = core::steady_micros();
    const auto& res = parser_->get();
    const bool in_window = now_unix >= rs_.window_start_us && now_unix < rs_.window_end_us;
    if (res.result() != http::status::ok) {
      if (in_window) ++statuses_[res.result_int()];
    } else if (in_window) {
      ++stats.frames;
      stats.bytes += res.body().size();
      stats.latency.record(now - sent_us_);
      if (auto ts = parse_timestamp(res["X-Timestamp"])) age_.record(now_unix - *ts);
      const auto& b = res.body();
      if (b.size() < 4 || static_cast<std::uint8_t>(b[0]) != 0xFF ||
          static_cast<std::uint8_t>(b[1]) != 0xD8)
        ++stats.bad_frames;
    }
    if (!res.keep_alive()) {
      ++reconnects_;
      error_code ignored;
      stream_.socket().close(ignored);
      buffer_.clear();
      return connect();
    }
    send();
  }

  void fail(const std::string& what, const error_code& ec) {
    note_failure(stats, what, ec);
    error_code ignored;
    stream_.socket().close(ignored);
  }

  const run_setup& rs_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::int64_t sent_us_ = 0;

 public:
  histogram age_;                               // µs, receipt - capture time of the picture served
  std::map<unsigned, std::uint64_t> statuses_;  // non-200 answers inside the window
  std::uint64_t reconnects_ = 0;
};

struct cpu_sample {
  double user_s = 0;
  double sys_s = 0;
  long max_rss_kb = 0;
};

cpu_sample cpu_now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return {sec(ru.ru_utime), sec(ru.ru_stime), ru.ru_maxrss};
}

json latency_json(const histogram& h) {
  return {{"samples", h.count()},
          {"p50", round_to(h.percentile(50) / 1000.0, 3)},
          {"p90", round_to(h.percentile(90) / 1000.0, 3)},
          {"p99", round_to(h.percentile(99) / 1000.0, 3)},
          {"max", round_to(static_cast<double>(h.max()) / 1000.0, 3)},
          {"mean", round_to(h.mean() / 1000.0, 3)},
          {"negative", h.negative()}};
}

json group_json(const std::vector<const viewer*>& vs, double duration_s, double min_fps) {
  json g;
  g["viewers"] = vs.size();
  if (vs.empty()) return g;
  std::vector<double> fps;
  histogram lat;
  std::uint64_t frames = 0, skipped = 0, bytes = 0, bad = 0, no_ts = 0;
  std::size_t ge_min = 0;
  for (const auto* v : vs) {
    const auto& s = v->stats;
    const double f = static_cast<double>(s.frames) / duration_s;
    fps.push_back(f);
    if (f >= min_fps) ++ge_min;
    lat.merge(s.latency);
    frames += s.frames;
    skipped += s.skipped;
    bytes += s.bytes;
    bad += s.bad_frames;
    no_ts += s.no_timestamp;
  }
  std::sort(fps.begin(), fps.end());
  double sum = 0;
  for (double f : fps) sum += f;
  g["frames"] = frames;
  g["fps_per_viewer"] = {{"min", round_to(fps.front(), 2)},
                         {"p50", round_to(fps[(fps.size() - 1) / 2], 2)},
                         {"mean", round_to(sum / static_cast<double>(fps.size()), 2)},
                         {"max", round_to(fps.back(), 2)}};
  g["viewers_ge_min_fps"] = ge_min;
  g["latency_ms"] = latency_json(lat);
  g["frames_skipped"] = skipped;
  g["bad_frames"] = bad;
  g["frames_without_timestamp"] = no_ts;
  g["mbyte_per_s"] = round_to(static_cast<double>(bytes) / duration_s / 1e6, 2);
  return g;
}

int run(const options& opt) {
  run_setup rs;
  if (opt.mode_name == "mjpeg")
    rs.m = mode::mjpeg;
  else if (opt.mode_name == "ws-binary")
    rs.m = mode::ws_binary;
  else if (opt.mode_name == "ws-text")
    rs.m = mode::ws_text;
  else
    rs.m = mode::snapshot;
  const auto url = parse_url(opt.url);
  if (!url) {
    std::cerr << "camgate-viewers: --url wants http://HOST:PORT/path or ws://HOST:PORT/path\n";
    return 2;
  }
  rs.target = url->target;
  // The gateway picks binary frames with ?format=binary: add it when the URL has none.
  if (rs.m == mode::ws_binary && rs.target.find("format=") == std::string::npos)
    rs.target +=
        (rs.target.find('?') == std::string::npos ? "?" : "&") + std::string("format=binary");
  rs.host_header = url->host + ":" + url->port;
  rs.token = opt.token;
  rs.full_text_decode = opt.text_decode == "full";
  rs.read_buffer = std::max<std::size_t>(opt.read_buffer, 4096);
  rs.rcvbuf = opt.rcvbuf;
  std::string request = "GET " + rs.target + " HTTP/1.1\r\nHost: " + rs.host_header +
                        "\r\nUser-Agent: camgate-viewers\r\n";
  if (rs.m == mode::mjpeg) request += "Accept: multipart/x-mixed-replace\r\n";
  if (rs.m == mode::ws_binary || rs.m == mode::ws_text)
    request +=
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: " +
        std::string(ws_key) + "\r\n";
  if (!opt.token.empty()) request += "Authorization: Bearer " + opt.token + "\r\n";
  request += "\r\n";

  // Many viewers need many descriptors: lift the soft limit to the hard one.
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }

  const int threads = std::max(1, opt.threads);
  asio::io_context ioc(threads);
  try {
    tcp::resolver resolver(ioc);
    rs.endpoint = *resolver.resolve(url->host, url->port).begin();
  } catch (const std::exception& e) {
    std::cerr << "camgate-viewers: cannot resolve " << url->host << ": " << e.what() << "\n";
    return 2;
  }

  const auto warmup_us = static_cast<std::int64_t>(opt.warmup_s * 1e6);
  const auto duration_us = static_cast<std::int64_t>(opt.duration_s * 1e6);
  const auto t0 = core::unix_micros();
  rs.window_start_us = t0 + warmup_us;
  rs.window_end_us = rs.window_start_us + duration_us;

  const int n = std::max(0, opt.viewers);
  const int slow_n = rs.m == mode::snapshot
                         ? 0
                         : std::clamp(static_cast<int>(std::lround(n * opt.slow_fraction)), 0, n);
  std::vector<std::unique_ptr<viewer>> viewers;
  viewers.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const bool is_slow = i < slow_n;
    switch (rs.m) {
      case mode::mjpeg:
        viewers.push_back(std::make_unique<mjpeg_viewer>(ioc, rs, is_slow, opt.slow_fps, request));
        break;
      case mode::ws_binary:
      case mode::ws_text:
        viewers.push_back(std::make_unique<ws_viewer>(ioc, rs, is_slow, opt.slow_fps, request));
        break;
      case mode::snapshot:
        viewers.push_back(std::make_unique<snapshot_client>(ioc, rs));
        break;
    }
  }
  for (auto& v : viewers) v->start();

  // Readers of stderr (bench/fanout.py) sample the gateway's CPU at these two lines.
  cpu_sample cpu_start, cpu_end;
  asio::steady_timer start_timer(ioc, std::chrono::microseconds(warmup_us));
  asio::steady_timer end_timer(ioc, std::chrono::microseconds(warmup_us + duration_us));
  start_timer.async_wait([&](error_code) {
    cpu_start = cpu_now();
    std::cerr << "camgate-viewers: measuring" << std::endl;
  });
  end_timer.async_wait([&](error_code) {
    cpu_end = cpu_now();
    std::cerr << "camgate-viewers: done" << std::endl;
    ioc.stop();
  });

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();

  const double duration_s = static_cast<double>(duration_us) / 1e6;
  json out;
  out["mode"] = opt.mode_name;
  out["viewers"] = n;
  out["duration_s"] = duration_s;
  out["warmup_s"] = opt.warmup_s;
  out["threads"] = threads;
  out["min_fps"] = opt.min_fps;

  std::size_t connected = 0, errors = 0, disconnects = 0;
  std::map<std::string, std::size_t> error_kinds;
  for (const auto& v : viewers) {
    const auto& s = v->stats;
    if (s.connected && !s.failed) ++connected;
    if (s.failed) {
      ++(s.disconnected ? disconnects : errors);
      if (error_kinds.size() < 20 || error_kinds.count(s.error)) ++error_kinds[s.error];
    }
  }
  out["connected_at_end"] = connected;
  out["errors"] = errors;
  out["disconnects"] = disconnects;
  out["error_kinds"] = error_kinds;

  if (rs.m == mode::snapshot) {
    histogram lat, age;
    std::uint64_t requests = 0, bytes = 0, bad = 0, reconnects = 0;
    std::map<std::string, std::uint64_t> statuses;
    for (const auto& v : viewers) {
      const auto* c = static_cast<const snapshot_client*>(v.get());
      lat.merge(c->stats.latency);
      age.merge(c->age_);
      requests += c->stats.frames;
      bytes += c->stats.bytes;
      bad += c->stats.bad_frames;
      reconnects += c->reconnects_;
      for (const auto& [code, count] : c->statuses_) statuses[std::to_string(code)] += count;
    }
    out["clients"] = n;
    out["requests"] = requests;
    out["requests_per_s"] = round_to(static_cast<double>(requests) / duration_s, 1);
    out["latency_ms"] = latency_json(lat);
    out["frame_age_ms"] = latency_json(age);
    out["mbyte_per_s"] = round_to(static_cast<double>(bytes) / duration_s / 1e6, 2);
    out["bad_frames"] = bad;
    out["non_200"] = statuses;
    out["reconnects"] = reconnects;
  } else {
    std::vector<const viewer*> all, fast, slow;
    for (const auto& v : viewers) {
      all.push_back(v.get());
      (v->slow ? slow : fast).push_back(v.get());
    }
    out["slow_fps"] = slow_n ? opt.slow_fps : 0.0;
    out["all"] = group_json(all, duration_s, opt.min_fps);
    out["viewers_ge_min_fps"] = out["all"].value("viewers_ge_min_fps", 0);
    out["fast"] = group_json(fast, duration_s, opt.min_fps);
    out["slow"] = group_json(slow, duration_s, opt.min_fps);
    if (rs.m == mode::ws_text) out["text_decode"] = opt.text_decode;
  }

  const double cpu_s = (cpu_end.user_s - cpu_start.user_s) + (cpu_end.sys_s - cpu_start.sys_s);
  out["client"] = {{"cpu_user_s", round_to(cpu_end.user_s - cpu_start.user_s, 3)},
                   {"cpu_sys_s", round_to(cpu_end.sys_s - cpu_start.sys_s, 3)},
                   {"cpu_percent", round_to(100.0 * cpu_s / duration_s, 1)},
                   {"max_rss_kb", cpu_end.max_rss_kb}};
  std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace
}  // namespace camgate::bench

int main(int argc, char** argv) {
  using camgate::bench::options;
  options opt;
  CLI::App app{"camgate-viewers: N concurrent viewers of one camgate camera, results as JSON"};
  app.add_option("--url", opt.url,
                 "http://HOST:PORT/api/cameras/1/stream?access_token=T (or .../ws, .../snapshot)")
      ->required();
  app.add_option("--mode", opt.mode_name, "mjpeg, ws-binary, ws-text or snapshot")
      ->check(CLI::IsMember({"mjpeg", "ws-binary", "ws-text", "snapshot"}))
      ->capture_default_str();
  app.add_option("--viewers", opt.viewers, "concurrent viewers (snapshot: clients)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--duration", opt.duration_s, "seconds measured")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--warmup", opt.warmup_s, "seconds before measuring (connect, first frames)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--slow-fraction", opt.slow_fraction, "share of viewers that read slowly")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--slow-fps", opt.slow_fps, "frames per second a slow viewer reads")
      ->check(CLI::Range(0.01, 1000.0))
      ->capture_default_str();
  app.add_option("--threads", opt.threads, "io_context threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--min-fps", opt.min_fps, "a viewer at or above this rate counts as keeping up")
      ->capture_default_str();
  app.add_option("--token", opt.token, "send Authorization: Bearer TOKEN (else put it in the URL)");
  app.add_option("--text-decode", opt.text_decode,
                 "ws-text: prefix (decode 192 bytes for the timestamp) or full")
      ->check(CLI::IsMember({"prefix", "full"}))
      ->capture_default_str();
  app.add_option("--read-buffer", opt.read_buffer, "MJPEG bytes per read, per viewer")
      ->capture_default_str();
  app.add_option("--rcvbuf", opt.rcvbuf, "SO_RCVBUF per viewer in bytes (0: kernel default)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return camgate::bench::run(opt);
  } catch (const std::exception& e) {
    std::cerr << "camgate-viewers: " << e.what() << "\n";
    return 1;
  }
}
