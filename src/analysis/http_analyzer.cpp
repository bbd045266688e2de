#include "analysis/http_analyzer.hpp"

#include <atomic>
#include <cctype>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace camgate::analysis {

namespace {

using clock = std::chrono::steady_clock;

struct parsed_url {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 80;
  std::string target;       // "/path?query"
  std::string host_header;  // "host[:port]", brackets kept for IPv6
  bool ipv6 = false;
};

bool has_prefix_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

[[noreturn]] void bad_url(const std::string& url, const std::string& why) {
  throw std::invalid_argument("analyzer URL \"" + url + "\": " + why);
}

parsed_url parse_url(const std::string& url) {
  if (has_prefix_nocase(url, "https://")) bad_url(url, "https is not supported (http:// only)");
  if (!has_prefix_nocase(url, "http://")) bad_url(url, "must start with http://");
  for (const char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      bad_url(url, "spaces and control characters are not allowed");
  std::string_view rest = std::string_view(url).substr(7);
  // The fragment is never sent.
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    bad_url(url, "credentials in the URL are not supported (use auth_header)");

  parsed_url out;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    error_code ec;
    const auto address = asio::ip::make_address_v6(out.host, ec);
    if (ec) bad_url(url, "bad IPv6 address");
    (void)address;
    out.ipv6 = true;
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad_url(url, "junk after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) bad_url(url, "empty port");
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) bad_url(url, "empty port");
    }
    for (const char c : out.host)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
        bad_url(url, "bad host name");
  }
  if (out.host.empty()) bad_url(url, "no host");
  if (!port_text.empty()) {
    unsigned long port = 0;
    for (const char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) bad_url(url, "bad port");
      port = port * 10 + static_cast<unsigned long>(c - '0');
      if (port > 65535) bad_url(url, "bad port");
    }
    if (port == 0) bad_url(url, "bad port");
    out.port = static_cast<std::uint16_t>(port);
  }
  out.target = target.empty()          ? "/"
               : target.front() == '?' ? "/" + std::string(target)
                                       : std::string(target);
  out.host_header = out.ipv6 ? "[" + out.host + "]" : out.host;
  if (out.port != 80) out.host_header += ":" + std::to_string(out.port);
  return out;
}

// Values that go into a request header or a multipart part header: one line, and a
// field name without quotes.
void validate_options(const http_analyzer_options& o) {
  if (o.field.empty()) throw std::invalid_argument("analyzer field name is empty");
  for (const char c : o.field)
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw std::invalid_argument("analyzer field name \"" + o.field + "\" is not allowed");
  if (!o.auth_header.empty()) {
    const auto colon = o.auth_header.find(':');
    if (colon == 0 || colon == std::string::npos)
      throw std::invalid_argument("analyzer auth_header must be \"Name: value\"");
    for (std::size_t i = 0; i < colon; ++i)
      if (!std::isgraph(static_cast<unsigned char>(o.auth_header[i])))
        throw std::invalid_argument("analyzer auth_header must be \"Name: value\"");
    if (o.auth_header.find_first_of("\r\n") != std::string::npos)
      throw std::invalid_argument("analyzer auth_header must be one line");
  }
  if (o.timeout.count() <= 0) throw std::invalid_argument("analyzer timeout must be positive");
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// One request's sockets. Touched only on its strand: the coroutine and stop() both run
// there, so cancelling from the destructor is no data race.
struct request_state {
  explicit request_state(asio::any_io_executor ex)
      : strand(asio::make_strand(ex)), resolver(strand), stream(strand) {}
  asio::strand<asio::any_io_executor> strand;
  tcp::resolver resolver;
  beast::tcp_stream stream;
  bool aborted = false;
  bool resolve_timed_out = false;
};

}  // namespace

struct http_analyzer::impl : std::enable_shared_from_this<impl> {
  struct in_flight {
    std::shared_ptr<request_state> state;
    std::vector<callback> waiters;
  };

  impl(asio::any_io_executor ex, http_analyzer_options options)
      : ex_(std::move(ex)), options_(std::move(options)), url_(parse_url(options_.url)) {
    validate_options(options_);
    if (!options_.auth_header.empty()) {
      const auto colon = options_.auth_header.find(':');
      auth_name_ = options_.auth_header.substr(0, colon);
      auth_value_ = trim(std::string_view(options_.auth_header).substr(colon + 1));
    }
  }

  void analyze(const std::string& key, core::frame_ptr picture, callback done) {
    if (!picture) {
      http_analysis result;
      result.error = "no picture to analyze";
      deliver({std::move(done)}, std::make_shared<const http_analysis>(std::move(result)));
      return;
    }
    std::shared_ptr<request_state> state;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      auto [it, fresh] = in_flight_.try_emplace(key);
      it->second.waiters.push_back(std::move(done));
      // Already asked for this key: its callback waits for that answer.
      if (!fresh) return;
      state = std::make_shared<request_state>(ex_);
      it->second.state = state;
    }
    requests_.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(state->strand, request(state, std::move(picture)),
                   [self = shared_from_this(), key](std::exception_ptr e, http_analysis result) {
                     if (e) {
                       result = http_analysis{};
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& x) {
                         result.error = std::string("analyzer request failed: ") + x.what();
                       } catch (...) {
                         result.error = "analyzer request failed";
                       }
                     }
                     self->finish(key, std::move(result));
                   });
  }

  void finish(const std::string& key, http_analysis result) {
    if (!result.ok) failures_.fetch_add(1, std::memory_order_relaxed);
    std::vector<callback> waiters;
    {
      std::lock_guard lock(mutex_);
      const auto it = in_flight_.find(key);
      if (it != in_flight_.end()) {
        waiters = std::move(it->second.waiters);
        in_flight_.erase(it);
      }
      // The owner is gone: its callbacks may point into it.
      if (stopped_) return;
    }
    deliver(std::move(waiters), std::make_shared<const http_analysis>(std::move(result)));
  }

  void deliver(std::vector<callback> waiters, std::shared_ptr<const http_analysis> result) {
    for (auto& done : waiters) {
      if (!done) continue;
      asio::post(ex_, [done = std::move(done), result, name = options_.name] {
        try {
          done(*result);
        } catch (const std::exception& e) {
          spdlog::error("analyzer {}: callback threw: {}", name, e.what());
        } catch (...) {
          spdlog::error("analyzer {}: callback threw", name);
        }
      });
    }
  }

  // Aborts what is in flight; its callbacks are dropped (see finish()).
  void stop() {
    std::vector<std::shared_ptr<request_state>> states;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      for (auto& [key, entry] : in_flight_) states.push_back(entry.state);
    }
    for (auto& state : states) {
      asio::post(state->strand, [state] {
        state->aborted = true;
        state->resolver.cancel();
        error_code ignored;
        state->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        state->stream.close();
      });
    }
  }

  bool busy(const std::string& key) const {
    std::lock_guard lock(mutex_);
    return in_flight_.contains(key);
  }

  std::string make_body(const core::frame& picture, std::string& content_type) const {
    const auto bytes = picture.bytes();
    const std::string_view jpeg(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (options_.format == http_analyzer_options::body_format::jpeg) {
      content_type = "image/jpeg";
      return std::string(jpeg);
    }
    // A boundary that differs per request; JPEG data containing it is astronomically
    // unlikely, and the part is length-delimited only by the boundary.
    static std::atomic<std::uint64_t> counter{0};
    const std::string boundary = "----camgate-" + std::to_string(picture.seq()) + "-" +
                                 std::to_string(counter.fetch_add(1, std::memory_order_relaxed)) +
                                 "-" + std::to_string(clock::now().time_since_epoch().count());
    content_type = "multipart/form-data; boundary=" + boundary;
    std::string body;
    body.reserve(jpeg.size() + 256);
    body += "--" + boundary + "\r\n";
    body += "Content-Disposition: form-data; name=\"" + options_.field +
            "\"; filename=\"frame.jpg\"\r\n";
    body += "Content-Type: image/jpeg\r\n\r\n";
    body += jpeg;
    body += "\r\n--" + boundary + "--\r\n";
    return body;
  }

  std::string timed_out() const {
    return "timed out after " + std::to_string(options_.timeout.count()) + " ms";
  }

  std::string where() const { return url_.host_header; }

  asio::awaitable<http_analysis> request(std::shared_ptr<request_state> state,
                                         core::frame_ptr picture) {
    const auto started = clock::now();
    const auto deadline = started + options_.timeout;
    http_analysis result;
    result.frame_seq = picture->seq();
    result.captured_at_us = picture->capture_us();
    const auto elapsed = [&] {
      result.ms = std::chrono::duration<double, std::milli>(clock::now() - started).count();
    };
    const auto fail = [&](std::string error) {
      result.ok = false;
      result.error = std::move(error);
      elapsed();
      return std::move(result);
    };

    error_code ec;
    // Resolve: IP literals skip the resolver; a name gets a timer, the resolver has no
    // deadline of its own.
    std::vector<tcp::endpoint> endpoints;
    if (const auto address = asio::ip::make_address(url_.host, ec); !ec) {
      endpoints.emplace_back(address, url_.port);
    } else {
      ec = {};
      asio::steady_timer timer(state->strand, deadline);
      timer.async_wait([state](error_code e) {
        if (e) return;
        state->resolve_timed_out = true;
        state->resolver.cancel();
      });
      const auto results = co_await state->resolver.async_resolve(
          url_.host, std::to_string(url_.port), asio::redirect_error(asio::use_awaitable, ec));
      timer.cancel();
      if (state->aborted) co_return fail("analyzer stopped");
      if (ec == asio::error::operation_aborted && state->resolve_timed_out)
        co_return fail(timed_out());
      if (ec) co_return fail("cannot reach analyzer " + where() + ": " + ec.message());
      for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
    if (state->aborted) co_return fail("analyzer stopped");

    state->stream.expires_at(deadline);
    co_await state->stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (state->aborted) co_return fail("analyzer stopped");
    if (ec == beast::error::timeout) co_return fail(timed_out());
    if (ec) co_return fail("cannot reach analyzer " + where() + ": " + ec.message());

    std::string content_type;
    http::request<http::string_body> req{http::verb::post, url_.target, 11};
    req.set(http::field::host, url_.host_header);
    req.set(http::field::user_agent, "camgate");
    req.set(http::field::accept, "application/json");
    req.set(http::field::connection, "close");
    req.body() = make_body(*picture, content_type);
    req.set(http::field::content_type, content_type);
    if (!auth_name_.empty()) req.set(auth_name_, auth_value_);
    req.prepare_payload();  // Content-Length

    state->stream.expires_at(deadline);
    co_await http::async_write(state->stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (state->aborted) co_return fail("analyzer stopped");
    if (ec == beast::error::timeout) co_return fail(timed_out());
    if (ec) co_return fail("lost the connection to analyzer " + where() + ": " + ec.message());

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    // The header first: Beast 1.74 loses the body_limit error of a Content-Length
    // larger than the limit when the body's first bytes come with the header and the
    // parser is eager (as async_read makes it), so the length is checked here.
    state->stream.expires_at(deadline);
    co_await http::async_read_header(state->stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && parser.content_length() && *parser.content_length() > options_.max_response_bytes)
      ec = http::error::body_limit;
    if (!ec && !parser.is_done()) {
      state->stream.expires_at(deadline);
      co_await http::async_read(state->stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    if (parser.is_header_done()) result.http_status = parser.get().result_int();
    error_code ignored;
    state->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    state->stream.close();
    if (state->aborted) co_return fail("analyzer stopped");
    if (ec == beast::error::timeout) {
      result.http_status = 0;
      co_return fail(timed_out());
    }
    if (ec == http::error::body_limit)
      co_return fail("analyzer answer is larger than " +
                     std::to_string(options_.max_response_bytes) + " bytes");
    if (ec) co_return fail("bad answer from analyzer " + where() + ": " + ec.message());

    const auto& body = parser.get().body();
    if (result.http_status < 200 || result.http_status > 299)
      co_return fail("analyzer answered " + std::to_string(result.http_status) + ": " +
                     body.substr(0, 200));
    try {
      result.body = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& e) {
      result.body = nullptr;
      co_return fail(std::string("analyzer answered with malformed JSON: ") + e.what());
    }
    if (!result.body.is_object() && !result.body.is_array()) {
      result.body = nullptr;
      co_return fail("analyzer answered with malformed JSON: not an object or array");
    }
    result.ok = true;
    elapsed();
    co_return result;
  }

  const asio::any_io_executor ex_;
  const http_analyzer_options options_;
  const parsed_url url_;
  std::string auth_name_;
  std::string auth_value_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, in_flight> in_flight_;  // guarded by mutex_
  bool stopped_ = false;                                  // guarded by mutex_

  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> failures_{0};
};

http_analyzer::http_analyzer(asio::any_io_executor ex, http_analyzer_options options)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(options))) {}

http_analyzer::~http_analyzer() {
  if (impl_) impl_->stop();
}

void http_analyzer::analyze(const std::string& key, core::frame_ptr picture, callback done) {
  impl_->analyze(key, std::move(picture), std::move(done));
}

bool http_analyzer::busy(const std::string& key) const {
  return impl_->busy(key);
}

const http_analyzer_options& http_analyzer::options() const {
  return impl_->options_;
}

std::uint64_t http_analyzer::requests() const {
  return impl_->requests_.load(std::memory_order_relaxed);
}

std::uint64_t http_analyzer::failures() const {
  return impl_->failures_.load(std::memory_order_relaxed);
}

}  // namespace camgate::analysis
