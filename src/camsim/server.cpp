#include "camsim/server.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <system_error>

#include "camsim/stream_format.hpp"
#include "core/clock.hpp"
#include "core/logging.hpp"

namespace camgate::camsim {

struct server::connection {
  explicit connection(tcp::socket s) : socket(std::move(s)) {}
  void close() {
    error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }
  tcp::socket socket;
  bool closed = false;  // the peer went away (seen by watch_for_close)
};

namespace {

// Logs what ended a detached coroutine with an exception instead of terminating.
void log_exception(std::exception_ptr e, const char* what) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::warn("camsim: {}: {}", what, x.what());
  }
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// As esp_http_server's httpd_query_key_value: no percent-decoding.
std::optional<std::string_view> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// The firmware parses values with atoi(): leading digits, else 0.
int atoi_like(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// esp_http_server writes Content-Type, then Content-Length, then the handler's headers.
http::response<http::string_body> make_response(const http::request<http::empty_body>& req,
                                                http::status status, std::string_view content_type,
                                                std::string body) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::content_type, content_type);
  res.content_length(body.size());
  res.body() = std::move(body);
  res.keep_alive(req.keep_alive());
  return res;
}

// httpd_resp_send_err: fixed messages, sent as text/html.
http::response<http::string_body> error_response(const http::request<http::empty_body>& req,
                                                 http::status status) {
  std::string msg = "Server has encountered an unexpected error";
  if (status == http::status::not_found) msg = "This URI does not exist";
  if (status == http::status::method_not_allowed) {
    msg = "Request method for this URI is not handled by server";
  }
  return make_response(req, status, "text/html", std::move(msg));
}

// A copy of `jpeg` as a flaky link or camera would deliver it: EOI gone and bytes
// without any 0xFF (so no stray marker either) spliced into the entropy data.
std::vector<std::uint8_t> corrupted(std::span<const std::uint8_t> jpeg, std::uint64_t salt) {
  std::vector<std::uint8_t> out(jpeg.begin(), jpeg.end());
  if (out.size() >= 2) out.resize(out.size() - 2);
  std::array<std::uint8_t, 256> garbage{};
  std::uint32_t s = static_cast<std::uint32_t>(salt * 2654435761u) | 1u;
  for (auto& b : garbage) {
    s = s * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>((s >> 24) % 255);
  }
  const auto at = out.begin() + static_cast<std::ptrdiff_t>(out.size() * 3 / 4);
  out.insert(at, garbage.begin(), garbage.end());
  return out;
}

}  // namespace

server::server(asio::io_context& io, server_options options)
    : io_(io),
      options_(std::move(options)),
      period_us_(static_cast<std::int64_t>(std::llround(1e6 / std::max(options_.fps, 0.01)))),
      sensor_(options_.width, options_.height, options_.quality),
      main_acceptor_(io),
      stream_acceptor_(io),
      changed_(io.get_executor()),
      tick_timer_(io),
      faults_(options_.faults) {}

server::~server() {
  render_pool_.join();
}

void server::start() {
  bind_listeners();
  asio::co_spawn(io_, accept_loop(main_acceptor_, listener_kind::main),
                 [](std::exception_ptr e) { log_exception(e, "listener"); });
  if (stream_acceptor_.is_open()) {
    asio::co_spawn(io_, accept_loop(stream_acceptor_, listener_kind::stream),
                   [](std::exception_ptr e) { log_exception(e, "stream listener"); });
  }
  asio::co_spawn(io_, run_generator(), [](std::exception_ptr e) { log_exception(e, "generator"); });
  spdlog::info("camsim: {} mode, {}x{} @ {} fps, quality {}, capture port {}, stream port {}",
               options_.stream ? "CameraWebServer" : "seed sketch", options_.width, options_.height,
               options_.fps, options_.quality, capture_port_, stream_port_);
}

void server::bind_listeners() {
  tcp::resolver resolver(io_);
  error_code resolve_ec;
  const auto results =
      resolver.resolve(options_.host, "0", tcp::resolver::numeric_service, resolve_ec);
  if (resolve_ec || results.empty()) {
    throw std::system_error(resolve_ec, "cannot resolve '" + options_.host + "'");
  }
  const auto address = results.begin()->endpoint().address();

  auto listen_on = [&](tcp::acceptor& a, std::uint16_t port) {
    error_code ec;
    a.open(address.is_v6() ? tcp::v6() : tcp::v4(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind({address, port}, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) a.close();
    return ec;
  };
  auto fail = [&](error_code ec, std::uint16_t port) {
    throw std::system_error(ec, "cannot listen on " + options_.host + ":" + std::to_string(port));
  };

  const bool two_ports =
      options_.stream && options_.stream_port == server_options::stream_port_mode::next;
  // Port 0 in `next` mode: take a free port P, then try P+1; if that one is taken,
  // start over with a new P.
  for (int attempt = 0;; ++attempt) {
    if (auto ec = listen_on(main_acceptor_, options_.port)) fail(ec, options_.port);
    capture_port_ = main_acceptor_.local_endpoint().port();
    if (!two_ports) {
      stream_port_ = options_.stream ? capture_port_ : 0;
      return;
    }
    error_code ec = asio::error::address_in_use;
    if (capture_port_ < 65535) ec = listen_on(stream_acceptor_, capture_port_ + 1);
    if (!ec) {
      stream_port_ = capture_port_ + 1;
      return;
    }
    main_acceptor_.close();
    if (options_.port != 0 || attempt >= 100) fail(ec, capture_port_ + 1);
  }
}

void server::stop() {
  asio::post(io_, [this] { do_stop(); });
}

void server::do_stop() {
  if (stopping_) return;
  stopping_ = true;
  error_code ec;
  main_acceptor_.close(ec);
  stream_acceptor_.close(ec);
  tick_timer_.cancel();
  changed_.notify_all();
  for (auto& [id, weak] : connections_) {
    if (auto c = weak.lock()) c->close();
  }
}

server_stats server::stats() const {
  server_stats s;
  s.stream_connections_total = stream_connections_total_.load();
  s.active_stream_clients = active_stream_clients_.load();
  s.waiting_stream_clients = waiting_stream_clients_.load();
  s.frames_sent = frames_sent_.load();
  s.capture_requests = capture_requests_.load();
  s.frames_generated = frames_generated_.load();
  return s;
}

void server::set_faults(const fault_settings& faults) {
  asio::post(io_, [this, faults] { apply_faults(faults); });
}

void server::apply_faults(const fault_settings& faults) {
  faults_ = faults;
  ++fault_epoch_;
  spdlog::info("camsim: faults now {}", faults_.describe());
  changed_.notify_all();
}

void server::sync_gate_stats() {
  active_stream_clients_ = gate_.busy() ? 1 : 0;
  waiting_stream_clients_ = gate_.waiting();
}

asio::awaitable<void> server::accept_loop(tcp::acceptor& acceptor, listener_kind kind) {
  asio::steady_timer backoff(io_);
  while (!stopping_) {
    tcp::socket socket(io_);
    error_code ec;
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_ || ec == asio::error::operation_aborted) break;
    if (ec) {
      // Out of file descriptors and the like: pause instead of spinning.
      spdlog::warn("camsim: accept: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto c = std::make_shared<connection>(std::move(socket));
    const auto id = next_connection_id_++;
    connections_.emplace(id, c);
    asio::co_spawn(io_, serve_http(std::move(c), kind), [this, id](std::exception_ptr e) {
      connections_.erase(id);
      log_exception(e, "connection");
    });
  }
}

asio::awaitable<void> server::serve_http(connection_ptr c, listener_kind kind) {
  beast::flat_buffer buffer;
  const bool stream_here =
      options_.stream && (kind == listener_kind::stream ||
                          options_.stream_port == server_options::stream_port_mode::same);
  while (!stopping_) {
    request req;
    error_code ec;
    co_await http::async_read(c->socket, buffer, req,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec || stopping_) break;
    const auto [path, query] = split_target(req.target());
    if (stream_here && path == "/stream" && req.method() == http::verb::get) {
      co_await serve_stream(c);
      break;
    }
    auto res = co_await route(req, kind);
    co_await http::async_write(c->socket, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !req.keep_alive()) break;
  }
  c->close();
}

asio::awaitable<server::response> server::route(const request& req, listener_kind kind) {
  const auto [path, query] = split_target(req.target());
  // The firmware's stream server registers /stream and nothing else.
  if (kind == listener_kind::stream) co_return error_response(req, http::status::not_found);
  const bool known = path == "/" || path == "/capture" || path == "/camsim/stats" ||
                     (options_.stream && (path == "/status" || path == "/control"));
  if (!known) co_return error_response(req, http::status::not_found);
  if (req.method() != http::verb::get) {
    co_return error_response(req, http::status::method_not_allowed);
  }

  if (path == "/capture") {
    ++capture_requests_;
    auto f = co_await frame_for_capture();
    co_return capture_response(req, f);
  }
  if (path == "/camsim/stats") {
    auto res = make_response(req, http::status::ok, "application/json", stats_json());
    res.set(http::field::access_control_allow_origin, "*");
    co_return res;
  }
  if (path == "/status") {
    auto res = make_response(req, http::status::ok, "application/json", sensor_.status_json());
    res.set(http::field::access_control_allow_origin, "*");
    co_return res;
  }
  if (path == "/control") co_return control_response(req, query);
  co_return make_response(req, http::status::ok, "text/html",
                          options_.stream ? index_html() : std::string("ESP32 Camera Ready"));
}

server::response server::capture_response(const request& req, const core::frame_ptr& f) const {
  const auto bytes = f->bytes();
  auto res = make_response(req, http::status::ok, "image/jpeg",
                           std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  res.set(http::field::content_disposition, "inline; filename=capture.jpg");
  res.set(http::field::access_control_allow_origin, "*");
  if (options_.stream) {  // the stock firmware also stamps it; the seed sketch does not
    char ts[32];
    std::snprintf(ts, sizeof ts, "%lld.%06lld", static_cast<long long>(f->capture_us() / 1000000),
                  static_cast<long long>(f->capture_us() % 1000000));
    res.set("X-Timestamp", ts);
  }
  return res;
}

server::response server::control_response(const request& req, std::string_view query) {
  const auto var = query_value(query, "var");
  const auto val = query_value(query, "val");
  if (!var || !val) return error_response(req, http::status::not_found);  // as the firmware
  bool ok = false;
  if (*var == "fault") {
    std::optional<std::uint64_t> n;
    if (auto text = query_value(query, "n")) {
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
      if (ec == std::errc{} && p == text->data() + text->size()) n = v;
    }
    if (auto f = fault_settings::from_control(*val, n)) {
      apply_faults(*f);
      ok = true;
    }
  } else {
    ok = sensor_.set(*var, atoi_like(*val));
  }
  if (!ok) return error_response(req, http::status::internal_server_error);
  auto res = make_response(req, http::status::ok, "text/html", {});
  res.set(http::field::access_control_allow_origin, "*");
  return res;
}

std::string server::index_html() const {
  const auto port = std::to_string(stream_port_);
  return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>ESP32 OV2640 "
         "(camgate-camsim)</title></head>\n<body><h1>ESP32 OV2640 (camgate-camsim)</h1>\n"
         "<img id=\"stream\" alt=\"stream\">\n<script>document.getElementById('stream').src = "
         "location.protocol + '//' + location.hostname + ':" +
         port + "/stream';</script>\n</body></html>\n";
}

std::string server::stats_json() const {
  const auto s = stats();
  auto field = [](const char* name, auto v) {
    return std::string("\"") + name + "\":" + std::to_string(v);
  };
  return "{" + field("stream_connections_total", s.stream_connections_total) + "," +
         field("active_stream_clients", s.active_stream_clients) + "," +
         field("waiting_stream_clients", s.waiting_stream_clients) + "," +
         field("frames_sent", s.frames_sent) + "," + field("capture_requests", s.capture_requests) +
         "," + field("frames_generated", s.frames_generated) + "," +
         field("width", sensor_.width()) + "," + field("height", sensor_.height()) + "," +
         field("jpeg_quality", sensor_.jpeg_quality()) + "," +
         "\"fps\":" + fmt::format("{}", options_.fps) + "," +
         field("encode_us_last", generator_.last_encode_us()) + "," + "\"fault\":\"" +
         faults_.describe() + "\"}";
}

asio::awaitable<core::frame_ptr> server::render_next() {
  const auto seq = next_seq_++;
  const frame_generator::settings s{sensor_.width(), sensor_.height(), sensor_.jpeg_quality(),
                                    options_.still};
  // The io_context must not run out of work while the frame is on the render thread.
  auto work = asio::make_work_guard(io_);
  auto f = co_await asio::co_spawn(
      render_pool_,
      [this, s, seq]() -> asio::awaitable<core::frame_ptr> { co_return generator_.render(s, seq); },
      asio::use_awaitable);
  ++frames_generated_;
  if (!latest_ || f->seq() > latest_->seq()) {
    latest_ = f;
    latest_steady_us_ = core::steady_micros();
    changed_.notify_all();
  }
  co_return f;
}

asio::awaitable<core::frame_ptr> server::frame_for_capture() {
  // A sensor delivers at most `fps` distinct frames a second, however fast it is polled.
  if (latest_ && (generating_ || core::steady_micros() - latest_steady_us_ < period_us_)) {
    co_return latest_;
  }
  co_return co_await render_next();
}

asio::awaitable<void> server::run_generator() {
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::microseconds(period_us_);
  auto next = clock::now();
  while (!stopping_) {
    if (!gate_.busy()) {  // nobody streams: idle, as the capture task would
      generating_ = false;
      co_await changed_.wait();
      next = clock::now();
      continue;
    }
    generating_ = true;
    co_await render_next();
    next += period;
    if (next < clock::now()) next = clock::now();  // fell behind: no burst to catch up
    tick_timer_.expires_at(next);
    error_code ec;
    co_await tick_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  generating_ = false;
}

asio::awaitable<void> server::watch_for_close(connection_ptr c) {
  // A stream client never sends anything after its request: any read completion
  // means it closed (or broke) the connection.
  std::array<char, 256> sink;
  error_code ec;
  while (!ec) {
    co_await c->socket.async_read_some(asio::buffer(sink),
                                       asio::redirect_error(asio::use_awaitable, ec));
  }
  c->closed = true;
  changed_.notify_all();
}

asio::awaitable<void> server::serve_stream(connection_ptr c) {
  ++stream_connections_total_;
  const auto ticket = gate_.enqueue();
  sync_gate_stats();
  asio::co_spawn(io_, watch_for_close(c), asio::detached);

  // Leave the gate however this coroutine ends, so the next client gets its turn.
  struct gate_leaver {
    server& s;
    stream_gate::ticket t;
    ~gate_leaver() {
      s.gate_.leave(t);
      s.sync_gate_stats();
      s.changed_.notify_all();
    }
  } leaver{*this, ticket};

  while (!gate_.try_enter(ticket)) {
    if (c->closed || stopping_) co_return;
    co_await changed_.wait();
  }
  sync_gate_stats();
  spdlog::debug("camsim: stream client {} started", ticket);
  // Only frames rendered from now on: the tick loop wakes up on the notify below.
  std::uint64_t last_seq = latest_ ? latest_->seq() : 0;
  changed_.notify_all();

  error_code ec;
  const auto head = stream_format::response_head(static_cast<int>(std::lround(options_.fps)));
  co_await asio::async_write(c->socket, asio::buffer(head),
                             asio::redirect_error(asio::use_awaitable, ec));

  std::uint64_t epoch = fault_epoch_;
  std::uint64_t count = 0;  // frames sent since the connection began or the faults changed
  std::uint64_t sent = 0;
  while (!ec && !c->closed && !stopping_) {
    if (epoch != fault_epoch_) {
      epoch = fault_epoch_;
      count = 0;
    }
    const fault_settings f = faults_;
    if (f.stop_after && count >= *f.stop_after) break;
    const bool stalled = f.stall_after && count >= *f.stall_after;
    if (stalled || !latest_ || latest_->seq() <= last_seq) {
      co_await changed_.wait();
      continue;
    }
    const auto frame = latest_;
    last_seq = frame->seq();
    const bool cut = f.close_mid_frame_after && count >= *f.close_mid_frame_after;
    const bool corrupt =
        f.corrupt_every && *f.corrupt_every > 0 && (count + 1) % *f.corrupt_every == 0;

    std::vector<std::uint8_t> broken;
    std::span<const std::uint8_t> jpeg = frame->bytes();
    if (corrupt) {
      broken = corrupted(jpeg, frame->seq());
      jpeg = broken;
    }
    std::string prefix;
    stream_format::append_chunk(prefix, stream_format::kPartBoundary);
    stream_format::append_chunk(prefix,
                                stream_format::part_header(jpeg.size(), frame->capture_us()));
    prefix += stream_format::chunk_size_line(jpeg.size());
    if (cut) jpeg = jpeg.first(jpeg.size() / 2);
    const std::array<asio::const_buffer, 3> parts{asio::buffer(prefix),
                                                  asio::buffer(jpeg.data(), jpeg.size()),
                                                  asio::buffer("\r\n", cut ? 0 : 2)};
    co_await asio::async_write(c->socket, parts, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || cut) break;
    ++count;
    ++sent;
    ++frames_sent_;
  }
  spdlog::debug("camsim: stream client {} ended after {} frames", ticket, sent);
  c->close();
}

}  // namespace camgate::camsim
