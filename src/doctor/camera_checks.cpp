#include "doctor/camera_checks.hpp"

#include <fmt/format.h>

#include "doctor/jpeg_check.hpp"
#include "doctor/net_steps.hpp"
#include "doctor/stream_checks.hpp"
#include "sources/camera_control.hpp"
#include "sources/camera_url.hpp"
#include "sources/http_connection.hpp"
#include "sources/probe.hpp"
#include "sources/sensor_controls.hpp"

namespace camgate::doctor {

namespace {

constexpr std::size_t kMaxPicture = 8 * 1024 * 1024;  // the gateway's max_frame_bytes

// GET / through the gateway's own setup-camera probe.
asio::awaitable<void> check_root(report& r, const camera_target& t,
                                 std::chrono::milliseconds timeout) {
  auto conn = std::make_shared<sources::http_connection>(co_await asio::this_coro::executor);
  const auto start = clock::now();
  const auto p = co_await sources::probe(*conn, t.host, t.port, timeout);
  conn->close();
  check c{"root", "GET /"};
  c.ms = ms_since(start);
  c.data["http_status"] = p.http_status;
  if (p.ok()) {
    c.detail = fmt::format("HTTP {}", p.http_status);
    if (!p.body.empty()) c.detail += ", \"" + printable(p.body, 60) + "\"";
  } else if (p.result == sources::probe_result::outcome::bad_response && p.http_status != 0) {
    c.status = check_status::warn;
    c.detail = fmt::format("HTTP {}", p.http_status);
    c.advice = "Some cameras have no page at /; the gateway goes on to /stream and /capture.";
  } else {
    c.status = check_status::fail;
    c.detail = p.error;
    c.advice =
        "It accepts connections but gives no HTTP answer: is this port really the camera's "
        "web server? An ESP32 busy with a stream client can also stall here (see the stream "
        "steps).";
  }
  r.add(std::move(c));
}

// GET /capture: a single picture, checked as a JPEG and decoded.
asio::awaitable<bool> check_capture(report& r, const camera_target& t,
                                    std::chrono::milliseconds timeout) {
  const sources::camera_url url{t.host, t.port, "/capture"};
  check c{"capture", "GET /capture"};
  auto conn = std::make_shared<sources::http_connection>(co_await asio::this_coro::executor);
  const auto start = clock::now();
  error_code ec = co_await conn->connect(t.host, t.port, timeout);
  if (!ec) ec = co_await conn->send_get(url.path, url.host_header(), timeout);
  http::response_parser<http::vector_body<std::uint8_t>> parser;
  parser.body_limit(kMaxPicture);
  if (!ec) ec = co_await conn->read_message(parser, timeout);
  conn->close();
  c.ms = ms_since(start);
  if (ec == http::error::body_limit) {
    c.status = check_status::fail;
    c.detail = "the answer is over " + format_bytes(kMaxPicture);
    c.advice = "That is no camera picture; the gateway drops pictures this big. Check the port.";
    r.add(std::move(c));
    co_return false;
  }
  if (ec) {
    c.status = check_status::fail;
    c.detail = describe(ec);
    c.advice = ec == beast::error::timeout
                   ? "The camera did not answer a picture in time: it may be overloaded (lower "
                     "the resolution) or on a weak Wi-Fi link."
                   : "That is no camera's answer to /capture: check that this is the camera's "
                     "web port.";
    r.add(std::move(c));
    co_return false;
  }
  const auto& res = parser.get();
  const auto type = std::string(res[http::field::content_type]);
  c.data["http_status"] = res.result_int();
  c.data["content_type"] = printable(type);
  if (res.result_int() != 200) {
    c.status = check_status::warn;
    c.detail = fmt::format("HTTP {}", res.result_int());
    c.advice =
        "No /capture here: snapshots then come from the stream. Fine for a generic MJPEG "
        "camera; an ESP32 sketch should serve /capture.";
    r.add(std::move(c));
    co_return false;
  }
  const auto& body = res.body();
  const auto v = inspect_jpeg(body);
  c.data["bytes"] = body.size();
  c.data["width"] = v.width;
  c.data["height"] = v.height;
  c.data["soi"] = v.soi;
  c.data["eoi"] = v.eoi;
  c.data["decodes"] = v.decodes;
  if (!v.ok()) {
    c.status = check_status::fail;
    c.detail = fmt::format("{} ({}, {})", v.error, format_bytes(static_cast<double>(body.size())),
                           printable(type, 40));
    c.advice =
        "The camera sends broken pictures: check its power supply (brown-outs corrupt "
        "frames), lower the resolution, or reflash the firmware.";
    r.add(std::move(c));
    co_return false;
  }
  c.detail = fmt::format("{}x{} JPEG, {}, decodes", v.width, v.height,
                         format_bytes(static_cast<double>(body.size())));
  r.add(std::move(c));
  co_return true;
}

// The stock firmware's /status (sensor settings), through the gateway's camera_control.
asio::awaitable<void> check_status_page(report& r, const camera_target& t,
                                        std::chrono::milliseconds timeout) {
  check c{"status", "GET /status (sensor settings)"};
  sources::camera_control ctl({t.host, t.port, ""}, timeout);
  const auto start = clock::now();
  auto st = co_await ctl.read_status();
  c.ms = ms_since(start);
  if (auto* f = std::get_if<sources::control_failure>(&st)) {
    c.status = check_status::skip;
    c.detail = f->kind == sources::control_error::no_control
                   ? "no /status: this firmware (the seed's sketch, a generic camera) does not "
                     "report its settings"
                   : printable(f->message, 160);
    r.add(std::move(c));
    co_return;
  }
  const auto& s = std::get<sources::camera_status>(st);
  c.data = s.settings;
  c.data["control_port"] = s.control_port;
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  if (s.settings.contains("framesize") && s.settings["framesize"].is_number_integer()) {
    const int fs = s.settings["framesize"].get<int>();
    const auto name = sources::framesize_name(fs);
    add(fmt::format("framesize {} ({})", name.empty() ? "?" : std::string(name), fs));
  }
  for (const char* key : {"quality", "brightness", "contrast", "saturation", "aec", "agc", "awb",
                          "vflip", "hmirror"}) {
    if (s.settings.contains(key) && s.settings[key].is_number())
      add(fmt::format("{} {}", key, s.settings[key].dump()));
  }
  c.detail = text.empty() ? "answered, no known settings" : text;
  c.detail += fmt::format(" (port {})", s.control_port);
  r.add(std::move(c));
}

}  // namespace

asio::awaitable<report> check_camera(camera_options o) {
  report r{"camera", o.text};
  const auto& t = o.target;
  const auto where = host_port(t.host, t.port);

  const auto dns = co_await resolve_host(t.host, t.port, o.timeout);
  r.add(dns_check(t.host, dns, "the camera"));
  if (dns.ec) co_return r;

  beast::tcp_stream probe(co_await asio::this_coro::executor);
  const auto tcp = co_await connect_tcp(probe, dns.endpoints, o.timeout);
  r.add(tcp_check(where, tcp, "the camera"));
  probe.close();
  if (tcp.ec) co_return r;

  co_await check_root(r, t, o.timeout);
  const bool capture_ok = co_await check_capture(r, t, o.timeout);
  co_await check_stream(r, t.host, t.port, capture_ok, o.stream_time, o.timeout);
  co_await check_status_page(r, t, o.timeout);
  co_return r;
}

}  // namespace camgate::doctor
