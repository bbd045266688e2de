#include "integrations/webhook_sink.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <deque>
#include <mutex>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "auth/hmac_sha256.hpp"

namespace camgate::integrations {

namespace {

using clock = std::chrono::steady_clock;

// How often a full queue says so: one line per burst, not one per dropped event.
constexpr auto drop_log_every = std::chrono::seconds(10);

struct http_url {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 80;
  std::string target;       // path and query
  std::string host_header;  // as in the URL
};

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

http_url parse_http_url(std::string_view url) {
  const auto bad = [&](const char* why) {
    return std::invalid_argument("webhook URL: " + std::string(why));
  };
  if (!starts_with_nocase(url, "http://")) throw bad("must start with http://");
  std::string_view rest = url.substr(7);
  const auto end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.find('@') != std::string_view::npos)
    throw bad("user:password@ is not supported (use the secret)");
  if (const auto hash = target.find('#'); hash != std::string_view::npos)
    target = target.substr(0, hash);
  http_url u;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad("unclosed [ in the host");
    u.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("junk after ]");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) throw bad("no host");
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned p = 0;
    const auto [ptr, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535)
      throw bad("bad port");
    u.port = static_cast<std::uint16_t>(p);
  }
  u.target = target.empty() ? "/" : std::string(target);
  if (u.target.front() == '?') u.target.insert(0, "/");
  u.host_header = std::string(authority);
  return u;
}

std::string to_hex(const auth::sha256_mac& mac) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(mac.size() * 2);
  for (unsigned char b : mac) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

// Before attempt n + 1 (n >= 1): 0.5 s, 1 s, then 2 s.
std::chrono::milliseconds retry_delay(int n) {
  return std::min(std::chrono::milliseconds(500) * (1 << std::min(n - 1, 2)),
                  std::chrono::milliseconds(2000));
}

}  // namespace

struct webhook_sink::impl : std::enable_shared_from_this<impl> {
  // One request: what stop() and the deadline close to end it at once.
  struct request_state {
    explicit request_state(const asio::any_io_executor& ex)
        : resolver(ex), stream(ex), deadline(ex) {}
    tcp::resolver resolver;
    beast::tcp_stream stream;
    asio::steady_timer deadline;
    bool timed_out = false;

    void abort() {
      resolver.cancel();
      error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream.close();
    }
  };

  impl(asio::any_io_executor ex, webhook_options o, http_url u)
      : strand_(asio::make_strand(ex)),
        options_(sanitized(std::move(o))),
        url_(std::move(u)),
        pause_(strand_) {}

  static webhook_options sanitized(webhook_options o) {
    o.attempts = std::max(o.attempts, 1);
    o.max_queue = std::max<std::size_t>(o.max_queue, 1);
    return o;
  }

  asio::any_io_executor strand_;
  const webhook_options options_;
  const http_url url_;

  std::mutex mutex_;
  std::deque<analysis::event_ptr> queue_;  // guarded by mutex_
  bool draining_ = false;                  // guarded: drain() runs
  std::uint64_t dropped_unlogged_ = 0;     // guarded
  clock::time_point drop_logged_at_{};     // guarded
  std::atomic<bool> stopped_{false};

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> dropped_{0};

  // Strand only.
  std::shared_ptr<request_state> current_;
  asio::steady_timer pause_;  // between attempts

  void push(const analysis::event_ptr& e) {
    bool start = false;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      if (queue_.size() >= options_.max_queue) {
        queue_.pop_front();
        dropped_.fetch_add(1, std::memory_order_relaxed);
        ++dropped_unlogged_;
        const auto now = clock::now();
        if (drop_logged_at_ == clock::time_point{} || now - drop_logged_at_ >= drop_log_every) {
          spdlog::warn("webhook {}: receiver too slow, queue full ({}): dropped {} oldest event(s)",
                       options_.name, options_.max_queue, dropped_unlogged_);
          dropped_unlogged_ = 0;
          drop_logged_at_ = now;
        }
      }
      queue_.push_back(e);
      start = !draining_;
      draining_ = true;
    }
    if (start) asio::co_spawn(strand_, drain(shared_from_this()), asio::detached);
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    {
      std::lock_guard lock(mutex_);
      queue_.clear();
    }
    asio::dispatch(strand_, [self = shared_from_this()] {
      if (self->current_) self->current_->abort();
      self->pause_.cancel();
    });
  }

  analysis::event_ptr next() {
    std::lock_guard lock(mutex_);
    if (stopped_ || queue_.empty()) {
      draining_ = false;
      return nullptr;
    }
    auto e = std::move(queue_.front());
    queue_.pop_front();
    return e;
  }

  // Sends the queue, one event at a time, until it is empty.
  static asio::awaitable<void> drain(std::shared_ptr<impl> self) {
    while (auto e = self->next()) {
      try {
        co_await self->send(*e);
      } catch (const std::exception& ex) {
        // Nothing in send() should throw; if it does, the next event still goes.
        spdlog::error("webhook {}: {}", self->options_.name, ex.what());
      }
    }
  }

  asio::awaitable<void> send(const analysis::event& e) {
    http::request<http::string_body> req{http::verb::post, url_.target, 11};
    req.set(http::field::host, url_.host_header);
    req.set(http::field::user_agent, "camgate/" CAMGATE_VERSION);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::connection, "close");
    req.set("X-Camgate-Event", e.type);
    req.body() = e.text();
    if (!options_.secret.empty())
      req.set("X-Camgate-Signature",
              "sha256=" + to_hex(auth::hmac_sha256(options_.secret, req.body())));
    req.prepare_payload();

    std::string why;
    for (int n = 1; n <= options_.attempts; ++n) {
      if (stopped_) co_return;
      why = co_await post_once(req);
      if (why.empty()) {
        sent_.fetch_add(1, std::memory_order_relaxed);
        co_return;
      }
      if (stopped_) co_return;
      if (n == options_.attempts) break;
      pause_.expires_after(retry_delay(n));
      error_code ec;
      co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    // Logged first: whoever sees the count also finds the line.
    spdlog::warn("webhook {}: {} event not delivered after {} attempt(s): {}", options_.name,
                 e.type, options_.attempts, why);
    failed_.fetch_add(1, std::memory_order_relaxed);
  }

  // One POST; empty on a 2xx answer, else why not.
  asio::awaitable<std::string> post_once(const http::request<http::string_body>& req) {
    auto r = std::make_shared<request_state>(strand_);
    current_ = r;
    // One deadline for resolve + connect + write + read.
    r->deadline.expires_after(options_.timeout);
    r->deadline.async_wait([weak = std::weak_ptr(r)](error_code ec) {
      if (ec) return;
      if (auto state = weak.lock()) {
        state->timed_out = true;
        state->abort();
      }
    });
    const auto why = co_await exchange(*r, req);
    r->deadline.cancel();
    if (current_ == r) current_.reset();
    if (r->timed_out)
      co_return "timed out after " + std::to_string(options_.timeout.count()) + " ms";
    co_return why;
  }

  asio::awaitable<std::string> exchange(request_state& r,
                                        const http::request<http::string_body>& req) {
    error_code ec;
    const auto address = asio::ip::make_address(url_.host, ec);
    if (!ec) {
      co_await r.stream.async_connect(tcp::endpoint(address, url_.port),
                                      asio::redirect_error(asio::use_awaitable, ec));
    } else {
      ec = {};
      const auto results = co_await r.resolver.async_resolve(
          url_.host, std::to_string(url_.port), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return "cannot resolve " + url_.host + ": " + ec.message();
      if (stopped_ || r.timed_out) co_return "aborted";
      co_await r.stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) co_return "cannot connect: " + ec.message();
    co_await http::async_write(r.stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return "cannot send: " + ec.message();
    // Only the status matters; the body is not read.
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    co_await http::async_read_header(r.stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return "no answer: " + ec.message();
    r.stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    r.stream.close();
    const unsigned status = parser.get().result_int();
    if (status >= 200 && status < 300) co_return std::string{};
    co_return "HTTP " + std::to_string(status);
  }
};

webhook_sink::webhook_sink(asio::any_io_executor ex, webhook_options options) {
  auto url = parse_http_url(options.url);
  impl_ = std::make_shared<impl>(std::move(ex), std::move(options), std::move(url));
}

webhook_sink::~webhook_sink() {
  impl_->stop();
}

void webhook_sink::deliver(const analysis::event_ptr& e) {
  if (!e) return;
  const auto& events = impl_->options_.events;
  if (std::find(events.begin(), events.end(), e->type) == events.end()) return;
  impl_->push(e);
}

void webhook_sink::stop() {
  impl_->stop();
}

std::uint64_t webhook_sink::sent() const {
  return impl_->sent_.load(std::memory_order_relaxed);
}
std::uint64_t webhook_sink::failed() const {
  return impl_->failed_.load(std::memory_order_relaxed);
}
std::uint64_t webhook_sink::dropped() const {
  return impl_->dropped_.load(std::memory_order_relaxed);
}

}  // namespace camgate::integrations
