#include "doctor/stream_checks.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "doctor/jpeg_check.hpp"
#include "doctor/net_steps.hpp"
#include "doctor/stream_meter.hpp"
#include "sources/discovery.hpp"
#include "sources/http_connection.hpp"
#include "sources/multipart_parser.hpp"

namespace camgate::doctor {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr double kSlowFps = 10;

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// One GET of a stream candidate, up to the answer's header.
struct attempt {
  enum class outcome { no_listener, no_answer, silent, http, stream } result = outcome::http;
  std::string note;  // what happened, for the report
  std::shared_ptr<sources::http_connection> conn;
  unsigned status = 0;
  std::string content_type;
  std::string boundary;
  bool chunked = false;
};

asio::awaitable<attempt> try_candidate(const sources::camera_url& url,
                                       std::chrono::milliseconds timeout) {
  attempt a;
  a.conn = std::make_shared<sources::http_connection>(co_await asio::this_coro::executor);
  error_code ec = co_await a.conn->connect(url.host, url.port, timeout);
  if (ec) {
    a.result = ec == asio::error::connection_refused ? attempt::outcome::no_listener
                                                     : attempt::outcome::no_answer;
    a.note = ec == asio::error::connection_refused ? "nothing listens" : describe(ec);
    co_return a;
  }
  ec = co_await a.conn->send_get(url.path, url.host_header(), timeout);
  http::response_parser<http::empty_body> header;
  if (!ec) ec = co_await a.conn->read_header(header, timeout);
  if (ec == beast::error::timeout) {
    a.result = attempt::outcome::silent;
    a.note = fmt::format("connection accepted, no answer in {} ms", timeout.count());
    co_return a;
  }
  if (ec) {
    a.result = attempt::outcome::no_answer;
    a.note = describe(ec);
    co_return a;
  }
  a.status = header.get().result_int();
  a.content_type = printable(std::string(header.get()[http::field::content_type]), 120);
  a.chunked = header.chunked();
  if (a.status == 200 && istarts_with(a.content_type, "multipart/")) {
    if (auto b = sources::boundary_from_content_type(a.content_type)) {
      a.result = attempt::outcome::stream;
      a.boundary = *b;
      co_return a;
    }
    a.note = "multipart answer without a boundary";
    co_return a;
  }
  a.note = fmt::format("HTTP {}{}", a.status, a.content_type.empty() ? "" : " " + a.content_type);
  co_return a;
}

// Reads the stream until `watch` after its first frame, a stall, or its end.
asio::awaitable<std::string> watch_stream(sources::http_connection& c, stream_meter& meter,
                                          std::chrono::milliseconds watch,
                                          std::chrono::milliseconds timeout) {
  const auto start = clock::now();
  meter.feed(c.buffered(), 0);
  c.consume_buffered();
  std::vector<std::uint8_t> buffer(kReadChunk);
  std::uint64_t frames = meter.stats().frames;
  auto progress = start;  // last new frame (or the start)
  for (;;) {
    const auto& s = meter.stats();
    if (s.framing_failed) co_return s.problem;
    const auto now = clock::now();
    if (s.frames != frames) {
      frames = s.frames;
      progress = now;
    }
    auto deadline = progress + timeout;
    if (s.first_frame_ms) {
      const auto end = start +
                       std::chrono::duration_cast<clock::duration>(
                           std::chrono::duration<double, std::milli>(*s.first_frame_ms)) +
                       watch;
      if (now >= end) co_return "";
      deadline = std::min(deadline, end);
    }
    if (now >= progress + timeout) {
      co_return s.frames == 0
          ? fmt::format("no picture within {} ms", timeout.count())
          : fmt::format("the stream stalled: no picture for {} ms", timeout.count());
    }
    error_code ec;
    const auto n = co_await c.read_some(buffer, deadline, ec);
    if (n > 0) meter.feed(std::span<const std::uint8_t>(buffer.data(), n), ms_since(start));
    if (ec == beast::error::timeout) continue;  // the top of the loop tells which deadline
    if (ec == asio::error::eof) {
      co_return fmt::format("the camera closed the stream after {} pictures", meter.stats().frames);
    }
    if (ec) co_return describe(ec);
  }
}

void report_rate(report& r, const stream_stats& s, const std::string& ended) {
  check c{"fps", "Frame rate and sizes"};
  c.data = {{"frames", s.frames},          {"fps", s.fps},
            {"seconds", s.span_ms / 1000}, {"min_bytes", s.min_frame},
            {"avg_bytes", s.avg_frame},    {"max_bytes", s.max_frame},
            {"bad_parts", s.bad_parts},    {"bytes", s.bytes}};
  if (s.first_frame_ms) c.data["first_frame_ms"] = *s.first_frame_ms;
  const double mbit = s.span_ms > 0 ? s.avg_frame * s.fps * 8 / 1e6 : 0;
  c.data["mbit_per_s"] = mbit;
  c.detail = fmt::format(
      "{:.1f} fps over {:.1f} s ({} pictures, first after {}), {} to {} "
      "(avg {}), {:.1f} Mbit/s",
      s.fps, s.span_ms / 1000, s.frames, format_ms(s.first_frame_ms.value_or(0)),
      format_bytes(static_cast<double>(s.min_frame)),
      format_bytes(static_cast<double>(s.max_frame)), format_bytes(s.avg_frame), mbit);
  if (s.bad_parts > 0) {
    c.status = check_status::warn;
    c.detail +=
        fmt::format("; {} broken pictures skipped ({})", s.bad_parts, printable(s.problem, 100));
    c.advice =
        "Broken pictures: check the camera's power supply and Wi-Fi signal; a lower "
        "resolution or quality setting sends fewer bytes per picture.";
  }
  if (!ended.empty()) {
    c.status = check_status::warn;
    c.detail += "; " + ended;
  }
  if (s.frames >= 2 && s.fps < kSlowFps) {
    c.status = check_status::warn;
    c.advice = fmt::format(
        "Poor performance ({:.1f} fps): lower the resolution (framesize, e.g. VGA) or the "
        "JPEG quality (a higher quality number on an ESP32 means more compression) with "
        "PATCH /api/cameras/{{id}}/settings, move the camera closer to the access point, "
        "and check the network's bandwidth ({:.1f} Mbit/s measured).",
        s.fps, mbit);
  }
  r.add(std::move(c));
}

}  // namespace

asio::awaitable<stream_findings> check_stream(report& r, const std::string& host,
                                              std::uint16_t port, bool capture_ok,
                                              std::chrono::milliseconds watch,
                                              std::chrono::milliseconds timeout) {
  stream_findings f;
  std::string tried;
  std::optional<attempt> found;
  std::optional<sources::camera_url> found_url;
  auto tried_list = nlohmann::json::array();
  const auto start = clock::now();
  for (const auto& url : sources::discovery_candidates(host, port)) {
    if (url.path != "/stream") continue;
    auto a = co_await try_candidate(url, timeout);
    if (a.result == attempt::outcome::stream) {
      found = std::move(a);
      found_url = url;
      break;
    }
    a.conn->close();
    tried_list.push_back({{"url", url.to_string()}, {"result", a.note}});
    tried += (tried.empty() ? "" : "; ") + url.to_string() + ": " + a.note;
    if (a.result == attempt::outcome::silent || a.status == 503) {
      f.busy = true;
      f.busy_where = url.to_string();
    }
  }

  check where{"stream", "MJPEG stream"};
  where.ms = ms_since(start);
  where.data["tried"] = tried_list;
  if (!found) {
    if (f.busy && capture_ok) {
      where.status = check_status::fail;
      where.detail = tried;
      r.add(std::move(where));
      check slot{"stream_slot", "Stream slot"};
      slot.status = check_status::fail;
      slot.detail = fmt::format(
          "{} keeps this client waiting while /capture works: the "
          "single stream slot is taken by another client",
          f.busy_where);
      slot.advice =
          "An ESP32-CAM streams to one client at a time and holds later ones unanswered. "
          "Close the other viewer (a browser tab on the camera's page, VLC, another "
          "gateway), and let camgate be the camera's only client: viewers watch through the "
          "gateway, which fans out one upstream stream.";
      slot.data["busy_url"] = f.busy_where;
      r.add(std::move(slot));
    } else if (capture_ok) {
      where.status = check_status::warn;
      where.detail = "none (" + tried + ")";
      where.advice =
          "No MJPEG stream: the seed's sketch serves only /capture. The gateway then "
          "polls /capture ([cameras] poll_fps, 5 a second by default); flash the "
          "CameraWebServer firmware for a real stream.";
      r.add(std::move(where));
    } else {
      where.status = check_status::fail;
      where.detail = "none (" + tried + ")";
      where.advice =
          "Neither a stream nor /capture answered: check that this is the camera's "
          "web port and that the camera firmware serves /stream or /capture.";
      r.add(std::move(where));
    }
    co_return f;
  }
  f.found = true;
  where.detail = found_url->to_string();
  if (!tried.empty()) where.detail += " (also tried " + tried + ")";
  where.data["url"] = found_url->to_string();
  if (found_url->port != port)
    where.detail += ": the stock ESP32 firmware's stream server on port + 1";
  r.add(std::move(where));

  check format{"stream_format", "Stream framing"};
  format.detail =
      fmt::format("{}, boundary \"{}\", {}", found->content_type, printable(found->boundary, 80),
                  found->chunked ? "chunked transfer encoding" : "not chunked");
  format.data = {{"content_type", found->content_type},
                 {"boundary", printable(found->boundary, 80)},
                 {"chunked", found->chunked}};
  r.add(std::move(format));

  stream_meter meter(found->boundary, found->chunked);
  const auto ended = co_await watch_stream(*found->conn, meter, watch, timeout);
  found->conn->close();
  const auto& s = meter.stats();

  check slot{"stream_slot", "Stream slot"};
  if (s.frames == 0) {
    f.busy = capture_ok;
    slot.status = check_status::fail;
    slot.detail = "the stream answered but sent no picture: " + ended;
    slot.advice = capture_ok
                      ? "/capture works, so the camera is alive: another client probably holds "
                        "its single stream slot. Close the other viewer and let camgate be the "
                        "camera's only client."
                      : "The camera sends no pictures: check the sensor ribbon cable and the "
                        "power supply, then restart the camera.";
    r.add(std::move(slot));
    co_return f;
  }
  f.got_frame = true;
  slot.detail =
      "free: this client got the stream (while the gateway watches, other viewers "
      "must go through it)";
  r.add(std::move(slot));

  check frame{"stream_frame", "First stream picture"};
  const auto v = inspect_jpeg(meter.first_frame());
  frame.data = {{"width", v.width}, {"height", v.height}, {"decodes", v.decodes}};
  if (v.ok()) {
    frame.detail = fmt::format("{}x{} JPEG, {}, decodes", v.width, v.height,
                               format_bytes(static_cast<double>(meter.first_frame().size())));
  } else {
    frame.status = check_status::fail;
    frame.detail = v.error;
    frame.advice = "The camera streams broken pictures: check its power supply and reflash it.";
  }
  r.add(std::move(frame));
  report_rate(r, s, ended);
  co_return f;
}

}  // namespace camgate::doctor
