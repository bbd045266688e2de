#include "sources/camera_source.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/backoff.hpp"
#include "core/clock.hpp"
#include "core/jpeg_markers.hpp"
#include "sources/camera_url.hpp"
#include "sources/chunked_decoder.hpp"
#include "sources/discovery.hpp"
#include "sources/http_connection.hpp"
#include "sources/log_throttle.hpp"
#include "sources/multipart_parser.hpp"
#include "sources/probe.hpp"
#include "sources/rate_meter.hpp"

namespace camgate::sources {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kPartHeaderLimit = 16 * 1024;
constexpr int kKnownUrlTries = 5;  // failures of a found URL before discovery runs again

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

std::string describe(const error_code& ec) {
  if (ec == asio::error::access_denied) return refused_message;
  return ec == beast::error::timeout ? "timed out" : ec.message();
}

}  // namespace

std::string_view to_string(source_state s) {
  switch (s) {
    case source_state::connecting:
      return "connecting";
    case source_state::streaming:
      return "streaming";
    case source_state::polling:
      return "polling";
    case source_state::stale:
      return "stale";
    case source_state::offline:
      return "offline";
  }
  return "unknown";
}

// Everything the coroutines touch lives here, shared by them and the camera_source, so
// the camera_source may go away while they unwind after stop().
struct camera_source::impl {
  // How one try at a resource ended.
  struct attempt {
    bool answered = false;     // it answered as hoped: a stream, or a first picture
    bool http_answer = false;  // it answered, but not as hoped (404, not multipart, ...)
    std::string error;         // why it ended
  };
  enum class found { nothing, mjpeg, capture };

  impl(asio::any_io_executor ex, camera_endpoint ep, source_options opt,
       std::shared_ptr<hub::channel> ch)
      : strand(asio::make_strand(ex)),
        endpoint(std::move(ep)),
        options(opt),
        channel(std::move(ch)),
        timer(strand),
        retry(options.backoff_initial, options.backoff_max) {}

  const asio::strand<asio::any_io_executor> strand;
  const camera_endpoint endpoint;
  const source_options options;
  const std::shared_ptr<hub::channel> channel;
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};

  // Used on the strand only.
  asio::steady_timer timer;
  core::backoff retry;
  std::shared_ptr<http_connection> conn;  // the one upstream connection, if any
  found known = found::nothing;           // remembered from discovery
  camera_url known_url;
  int known_failures = 0;
  std::uint64_t seq = 0;
  clock::time_point progress;  // connection or last frame: stalls count from here
  log_throttle warn_limit;
  std::string last_failure;  // an offline camera warns once, then repeats at debug level

  // Shared with status(), under the mutex.
  mutable std::mutex mutex;
  source_status st;
  rate_meter meter;
  std::int64_t last_frame_us = -1;  // steady clock
  std::int64_t connected_us = -1;

  std::string name() const { return channel ? channel->camera_id() : endpoint.host; }

  void warn(const std::string& what) {
    std::uint64_t suppressed = 0;
    if (!warn_limit.allow(core::steady_micros(), suppressed)) return;
    if (suppressed > 0) {
      spdlog::warn("camera {}: {} ({} similar messages suppressed)", name(), what, suppressed);
    } else {
      spdlog::warn("camera {}: {}", name(), what);
    }
  }

  // The one-connection rule lives here: the previous connection is closed first.
  std::shared_ptr<http_connection> open_connection() {
    close_connection();
    conn = std::make_shared<http_connection>(strand, options.refuse_endpoint);
    if (stopped) conn->close();  // stop() ran already: fail at once
    return conn;
  }

  void close_connection() {
    if (conn) conn->close();
    conn.reset();
  }

  asio::awaitable<void> sleep_until(clock::time_point when) {
    if (stopped) co_return;
    timer.expires_at(when);
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  void set_state(source_state s) {
    std::lock_guard lock(mutex);
    if (stopped) return;
    st.state = s;
    connected_us = -1;
  }

  void set_connected(source_state s, std::string mode, std::string url) {
    progress = clock::now();
    std::lock_guard lock(mutex);
    if (stopped) return;
    st.state = s;
    st.mode = std::move(mode);
    st.active_url = std::move(url);
    connected_us = core::steady_micros();
  }

  void set_offline(std::string error) {
    std::lock_guard lock(mutex);
    st.state = source_state::offline;
    connected_us = -1;
    if (!error.empty()) st.last_error = std::move(error);
  }

  void add_bytes(std::uint64_t n) {
    std::lock_guard lock(mutex);
    st.bytes_in += n;
  }

  void add_dropped(std::uint64_t n) {
    std::lock_guard lock(mutex);
    st.frames_dropped += n;
  }

  void publish(std::vector<std::uint8_t>&& jpeg) {
    if (stopped) return;  // stop() may run inline from a subscriber of this very frame
    last_failure.clear();
    auto f = core::make_frame(std::move(jpeg), ++seq, core::unix_micros());
    progress = clock::now();
    retry.reset();  // frames flow again
    const auto now = core::steady_micros();
    {
      std::lock_guard lock(mutex);
      ++st.frames;
      st.width = f->width();
      st.height = f->height();
      meter.add(now);
      last_frame_us = now;
    }
    if (channel) channel->publish(std::move(f));
  }

  clock::duration poll_interval() const {
    const double fps = options.poll_fps > 0 ? std::min(options.poll_fps, 100.0) : 1.0;
    return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / fps));
  }

  static asio::awaitable<void> run(std::shared_ptr<impl> self) {
    bool first = true;
    while (!self->stopped) {
      if (!first) {
        std::lock_guard lock(self->mutex);
        ++self->st.reconnects;
      }
      first = false;
      self->set_state(source_state::connecting);
      std::string why;
      try {
        why = co_await self->connect_and_stream();
      } catch (const std::exception& e) {
        why = std::string("internal error: ") + e.what();
      }
      self->close_connection();
      if (self->stopped) break;
      const auto delay = self->retry.next();
      self->set_offline(why);
      if (why != self->last_failure) {
        self->warn(why + "; retrying in " + std::to_string(delay.count()) + " ms");
        self->last_failure = why;
      } else {
        spdlog::debug("camera {}: {}; retrying in {} ms", self->name(), why, delay.count());
      }
      co_await self->sleep_until(clock::now() + delay);
    }
    self->close_connection();
    self->set_offline({});
  }

  // One connection cycle: returns why it ended (empty when stopped).
  asio::awaitable<std::string> connect_and_stream() {
    if (!endpoint.url.empty()) {
      const auto url = parse_camera_url(endpoint.url, endpoint.host, endpoint.port);
      if (!url) co_return "bad camera URL \"" + endpoint.url + "\"";
      co_return (co_await open(*url, true)).error;
    }
    if (known != found::nothing) {
      const auto a = co_await open(known_url, known == found::capture);
      // A clear "not here" runs discovery again at once; a dead or busy camera keeps its
      // URL for a few tries (an ESP32 still serving our previous connection times out).
      if (a.answered) {
        known_failures = 0;
      } else if (a.http_answer || ++known_failures >= kKnownUrlTries) {
        known = found::nothing;
        known_failures = 0;
      }
      co_return a.error;
    }
    co_return co_await discover();
  }

  // GET / first (is anyone there?), then /stream on PORT and PORT+1, else /capture.
  asio::awaitable<std::string> discover() {
    auto c = open_connection();
    const auto pr = co_await probe(*c, endpoint.host, endpoint.port, options.connect_timeout);
    close_connection();
    if (stopped) co_return "";
    if (pr.result != probe_result::outcome::ok &&
        pr.result != probe_result::outcome::bad_response) {
      co_return pr.error;
    }
    // Some cameras have no page at /: a bad answer still means somebody is there.
    std::string tried;
    for (const auto& url : discovery_candidates(endpoint.host, endpoint.port)) {
      if (stopped) co_return "";
      const auto a = co_await open(url, url.path == "/capture");
      if (a.answered) co_return a.error;
      tried += (tried.empty() ? "" : "; ") + a.error;
    }
    co_return "no MJPEG stream or capture found (" + tried + ")";
  }

  // GET `url`: a multipart answer is streamed, a picture (when allowed) polled.
  asio::awaitable<attempt> open(camera_url url, bool allow_capture) {
    attempt a;
    auto c = open_connection();
    error_code ec = co_await c->connect(url.host, url.port, options.connect_timeout);
    if (!ec) ec = co_await c->send_get(url.path, url.host_header(), options.connect_timeout);
    http::response_parser<http::empty_body> header;
    if (!ec) ec = co_await c->read_header(header, options.connect_timeout);
    add_bytes(c->bytes_read());
    if (ec) {
      a.error = "GET " + url.to_string() + ": " + describe(ec);
      close_connection();
      co_return a;
    }
    const unsigned status = header.get().result_int();
    const std::string type(header.get()[http::field::content_type]);
    if (status == 200 && istarts_with(type, "multipart/")) {
      const auto boundary = boundary_from_content_type(type);
      if (boundary) {
        a.answered = true;
        known = found::mjpeg;
        known_url = url;
        a.error = co_await stream(c, header.chunked(), url, *boundary);
        close_connection();
        co_return a;
      }
      a.error = "GET " + url.to_string() + ": no boundary in \"" + type + "\"";
    } else if (status == 200 && allow_capture) {
      co_return co_await poll(c, header, url);
    } else {
      a.error = "GET " + url.to_string() + " answered " + std::to_string(status) +
                (type.empty() ? "" : " " + type);
    }
    a.http_answer = true;
    close_connection();
    co_return a;
  }

  // Reads multipart/x-mixed-replace until error, end, stall or stop.
  asio::awaitable<std::string> stream(std::shared_ptr<http_connection> c, bool chunked,
                                      camera_url url, std::string boundary) {
    set_connected(source_state::streaming, "mjpeg", url.to_string());
    const std::string where = url.to_string();
    chunked_decoder chunks;
    multipart_parser parts(
        boundary,
        [this](std::vector<std::uint8_t>&& jpeg, const part_headers&) { publish(std::move(jpeg)); },
        {options.max_frame_bytes, kPartHeaderLimit});
    std::uint64_t problems = 0;
    std::uint64_t skipped = 0;
    auto absorb = [&](std::span<const std::uint8_t> bytes) {
      add_bytes(bytes.size());
      if (chunked) {
        chunks.feed(bytes, [&](std::span<const std::uint8_t> data) { parts.feed(data); });
      } else {
        parts.feed(bytes);
      }
      const auto now_skipped = parts.skipped_invalid() + parts.skipped_oversize();
      if (now_skipped != skipped) add_dropped(now_skipped - skipped);
      skipped = now_skipped;
      if (parts.problems() != problems) warn(where + ": " + parts.last_problem());
      problems = parts.problems();
    };
    absorb(c->buffered());
    c->consume_buffered();

    std::vector<std::uint8_t> buffer(kReadChunk);
    for (;;) {
      if (chunks.failed()) co_return "bad chunked encoding from " + where + ": " + chunks.error();
      if (chunks.done()) co_return where + " ended the stream";
      if (stopped) co_return "";
      error_code ec;
      const std::size_t n = co_await c->read_some(buffer, progress + options.stall_timeout, ec);
      if (n > 0) absorb(std::span<const std::uint8_t>(buffer.data(), n));
      if (stopped) co_return "";
      if (ec == asio::error::eof) co_return where + " closed the stream";
      if (ec == beast::error::timeout) {
        co_return "no picture from " + where + " for " +
            std::to_string(options.stall_timeout.count()) + " ms";
      }
      if (ec) co_return where + ": " + describe(ec);
    }
  }

  // Polls single pictures at poll_fps; `first` holds the header of the first answer.
  asio::awaitable<attempt> poll(std::shared_ptr<http_connection> c,
                                http::response_parser<http::empty_body>& first, camera_url url) {
    attempt a;
    const std::string where = url.to_string();
    std::optional<http::response_parser<http::vector_body<std::uint8_t>>> parser;
    parser.emplace(std::move(first));
    auto next_poll = clock::now();
    auto last_picture = clock::now();
    for (;;) {
      parser->body_limit(options.max_frame_bytes);
      const auto before = c->bytes_read();
      error_code ec = co_await c->read_message(*parser, options.stall_timeout);
      add_bytes(c->bytes_read() - before);
      if (stopped) break;
      if (ec == http::error::body_limit) {
        add_dropped(1);
        a.error =
            "GET " + where + ": picture over " + std::to_string(options.max_frame_bytes) + " bytes";
        break;
      }
      if (ec) {
        a.error = "GET " + where + ": " + describe(ec);
        break;
      }
      const unsigned status = parser->get().result_int();
      if (status != 200) {
        a.http_answer = !a.answered;
        a.error = "GET " + where + " answered " + std::to_string(status);
        break;
      }
      const bool keep_alive = parser->get().keep_alive();
      auto body = std::move(parser->get().body());
      parser.reset();
      if (const auto n = core::jpeg::complete_length(body)) {
        body.resize(*n);
        if (!a.answered) {
          a.answered = true;
          known = found::capture;
          known_url = url;
          set_connected(source_state::polling, "capture", where);
        }
        publish(std::move(body));
        last_picture = clock::now();
      } else if (!a.answered) {
        a.http_answer = true;
        a.error = "GET " + where + " answered with no complete JPEG";
        break;
      } else {
        add_dropped(1);
        warn("GET " + where + ": not a complete JPEG (" + std::to_string(body.size()) + " bytes)");
      }
      if (clock::now() - last_picture > options.stall_timeout) {
        a.error = "no complete picture from " + where + " for " +
                  std::to_string(options.stall_timeout.count()) + " ms";
        break;
      }
      next_poll = std::max(next_poll + poll_interval(), clock::now());
      co_await sleep_until(next_poll);
      if (stopped) break;
      if (!keep_alive || !c->is_open()) {
        c = open_connection();
        ec = co_await c->connect(url.host, url.port, options.connect_timeout);
      }
      if (!ec) ec = co_await c->send_get(url.path, url.host_header(), options.connect_timeout);
      if (ec) {
        a.error = "GET " + where + ": " + describe(ec);
        break;
      }
      parser.emplace();
    }
    close_connection();
    co_return a;
  }
};

camera_source::camera_source(asio::any_io_executor ex, camera_endpoint endpoint,
                             source_options options, std::shared_ptr<hub::channel> channel)
    : endpoint_(endpoint),
      impl_(std::make_shared<impl>(std::move(ex), std::move(endpoint), options,
                                   std::move(channel))) {}

camera_source::~camera_source() {
  stop();
}

void camera_source::start() {
  auto d = impl_;
  if (d->stopped || d->started.exchange(true)) return;
  asio::co_spawn(d->strand, impl::run(d), [name = d->name()](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("camera {}: source stopped: {}", name, x.what());
    } catch (...) {
      spdlog::error("camera {}: source stopped by an unknown error", name);
    }
  });
}

void camera_source::stop() {
  auto d = impl_;
  if (d->stopped.exchange(true)) return;
  {
    std::lock_guard lock(d->mutex);
    d->st.state = source_state::offline;
    d->connected_us = -1;
  }
  if (!d->started) return;
  // On the strand: whatever the coroutine awaits (timer, resolver, socket) is aborted.
  asio::dispatch(d->strand, [d] {
    d->timer.cancel();
    d->close_connection();
  });
}

source_status camera_source::status() const {
  const auto& d = *impl_;
  std::lock_guard lock(d.mutex);
  source_status s = d.st;
  const auto now = core::steady_micros();
  s.fps = d.meter.rate(now);
  s.last_frame_age_ms = d.last_frame_us < 0 ? -1 : (now - d.last_frame_us) / 1000;
  if ((s.state == source_state::streaming || s.state == source_state::polling) &&
      d.connected_us >= 0) {
    // Polling at a low rate must not look stale between two polls.
    auto threshold = std::chrono::duration_cast<std::chrono::microseconds>(d.options.stale_after);
    if (s.state == source_state::polling) {
      threshold = std::max(
          threshold, std::chrono::duration_cast<std::chrono::microseconds>(2 * d.poll_interval()));
    }
    if (now - std::max(d.connected_us, d.last_frame_us) > threshold.count()) {
      s.state = source_state::stale;
    }
  }
  return s;
}

}  // namespace camgate::sources
