#include "api/picture_outputs.hpp"

#include <cstdio>

#include "analysis/frame_analysis.hpp"
#include "api/access_gate.hpp"
#include "api/analyzer_call.hpp"
#include "api/event_forward.hpp"
#include "outputs/mjpeg_output.hpp"
#include "outputs/snapshot.hpp"
#include "outputs/sse_output.hpp"
#include "outputs/websocket_output.hpp"

namespace camgate::api {
namespace {

// No frame to give: tell "unreachable" (502) from "slow" (504).
httpd::response no_frame(const picture_target& t) {
  if (auto why = t.unreachable ? t.unreachable() : std::nullopt)
    return httpd::json_error(http::status::bad_gateway,
                             t.label + " is unreachable" + (why->empty() ? "" : ": " + *why));
  return httpd::json_error(
      http::status::gateway_timeout,
      t.label + " sent no frame within " + std::to_string(t.wait.count()) + " ms");
}

// The picture a snapshot or an analysis reads: the caller's access checked first, then a
// recent picture (a robot's decoding runs while this waits), or the answer to send.
asio::awaitable<std::variant<core::frame_ptr, httpd::response>> allowed_frame(
    services& s, const httpd::request_context& ctx, const picture_target& t) {
  if (auto denied = deny_unless_allowed(s, ctx, t.resource)) co_return std::move(*denied);
  const auto demand = t.demand ? t.demand() : nullptr;
  auto f = co_await outputs::fresh_frame(
      t.channel, std::chrono::milliseconds(s.config.cameras.snapshot_max_age_ms), t.wait);
  if (!f) co_return no_frame(t);
  co_return f;
}

// A robot's pictures keep coming until the stream closes, not until the viewer object
// goes: the demand is released with the close.
void hold_demand_until_closed(live_link& link, const picture_target& t) {
  if (!t.demand) return;
  auto demand = std::make_shared<std::shared_ptr<void>>(t.demand());
  link.on_closed = [inner = std::move(link.on_closed), demand](auto&&... args) {
    inner(std::forward<decltype(args)>(args)...);
    demand->reset();
  };
}

std::string timestamp_text(std::int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1000000),
                static_cast<long long>(us % 1000000));
  return buf;
}

}  // namespace

std::optional<httpd::response> hold_stream_slot(services& s, const httpd::request_context& ctx,
                                                live_link& link) {
  if (!s.limits) return std::nullopt;
  auto slot = s.limits->acquire_stream(ctx);
  if (auto* refused = std::get_if<httpd::response>(&slot)) return std::move(*refused);
  auto lease = std::make_shared<std::optional<httpd::concurrency_limiter::lease>>(
      std::move(std::get<0>(slot)));
  if (!*lease) return std::nullopt;
  link.on_closed = [inner = std::move(link.on_closed), lease](auto&&... args) {
    inner(std::forward<decltype(args)>(args)...);
    lease->reset();
  };
  return std::nullopt;
}

asio::awaitable<httpd::response> snapshot_response(services& s, const httpd::request_context& ctx,
                                                   picture_target t) {
  auto found = co_await allowed_frame(s, ctx, t);
  if (auto* r = std::get_if<httpd::response>(&found)) co_return std::move(*r);
  const auto f = std::get<core::frame_ptr>(found);
  auto bytes = f->bytes();
  auto res =
      httpd::bytes_response(http::status::ok, "image/jpeg",
                            std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  res.message.set(http::field::cache_control, "no-store");
  res.message.set(http::field::content_disposition, "inline; filename=\"" + t.file_stem() + "-" +
                                                        std::to_string(f->seq()) + ".jpg\"");
  res.message.set("X-Timestamp", timestamp_text(f->capture_us()));
  res.message.set("X-Frame-Seq", std::to_string(f->seq()));
  co_return res;
}

httpd::response mjpeg_response(services& s, const httpd::request_context& ctx, picture_target t) {
  if (auto denied = deny_unless_allowed(s, ctx, t.resource)) return std::move(*denied);
  httpd::response res;
  auto link = make_live_link(s);
  if (auto refused = hold_stream_slot(s, ctx, link)) return std::move(*refused);
  hold_demand_until_closed(link, t);
  outputs::mjpeg_options opts;
  opts.write_timeout = std::chrono::seconds(s.config.cameras.viewer_write_timeout_s);
  opts.on_closed = link.on_closed;
  opts.zero_copy = s.config.server.zero_copy;
  res.takeover = [&s, ch = t.channel, what = t.resource, opts, link,
                  v = viewer_of(ctx)](httpd::connection&& c) {
    auto out = outputs::start_mjpeg(std::move(c), ch, opts);
    register_live(s, link, std::move(out), v, what, "mjpeg");
  };
  return res;
}

namespace {

httpd::response websocket_with(services& s, const httpd::request_context& ctx, picture_target t,
                               bool events_by_default) {
  if (auto denied = deny_unless_allowed(s, ctx, t.resource)) return std::move(*denied);
  if (!websocket::is_upgrade(ctx.req))
    return httpd::json_error(http::status::upgrade_required,
                             "this endpoint speaks WebSocket: send an Upgrade request");
  bool events = events_by_default;
  if (auto e = ctx.query_value("events")) {
    if (*e != "0" && *e != "1")
      return httpd::json_error(http::status::bad_request, "events must be 0 or 1");
    events = *e == "1";
  }
  auto format = outputs::ws_format::data_url;
  if (auto f = ctx.query_value("format")) {
    if (*f == "binary")
      format = outputs::ws_format::binary;
    else if (*f != "text" && *f != "base64")
      return httpd::json_error(http::status::bad_request, "format must be text or binary");
  }
  httpd::response res;
  auto link = make_live_link(s);
  if (auto refused = hold_stream_slot(s, ctx, link)) return std::move(*refused);
  hold_demand_until_closed(link, t);
  auto forward = events && s.events ? forward_events_until_closed(link) : nullptr;
  res.takeover = [&s, ch = t.channel, what = t.resource, format, link, forward,
                  v = viewer_of(ctx)](httpd::connection&& c) {
    outputs::websocket_options o;
    o.format = format;
    o.on_closed = link.on_closed;
    o.zero_copy = s.config.server.zero_copy;
    auto out = outputs::start_websocket(std::move(c), ch, std::move(o));
    if (forward) forward->start(*s.events, what, out);
    register_live(s, link, std::move(out), v, what,
                  format == outputs::ws_format::binary ? "websocket-binary" : "websocket");
  };
  return res;
}

}  // namespace

httpd::response websocket_response(services& s, const httpd::request_context& ctx,
                                   picture_target t) {
  return websocket_with(s, ctx, std::move(t), true);
}

httpd::response seed_websocket_response(services& s, const httpd::request_context& ctx,
                                        picture_target t) {
  return websocket_with(s, ctx, std::move(t), false);
}

httpd::response events_response(services& s, const httpd::request_context& ctx, picture_target t) {
  if (!s.events)
    return httpd::json_error(http::status::not_found, "this gateway has no event stream");
  if (auto denied = deny_unless_allowed(s, ctx, t.resource)) return std::move(*denied);
  httpd::response res;
  auto link = make_live_link(s);
  if (auto refused = hold_stream_slot(s, ctx, link)) return std::move(*refused);
  auto forward = forward_events_until_closed(link);
  auto hello = hello_event(s, t.resource);
  res.takeover = [&s, what = t.resource, link, forward, hello = std::move(hello),
                  v = viewer_of(ctx)](httpd::connection&& c) {
    outputs::sse_options o;
    o.write_timeout = std::chrono::seconds(s.config.cameras.viewer_write_timeout_s);
    o.on_closed = link.on_closed;
    auto out = outputs::start_sse(std::move(c), std::move(o));
    out->notify(hello);
    forward->start(*s.events, what, out);
    register_live(s, link, std::move(out), v, what, "events");
  };
  return res;
}

asio::awaitable<httpd::response> analysis_response(services& s, const httpd::request_context& ctx,
                                                   picture_target t) {
  // Access first: who may not watch learns nothing, not even the analyzers' names.
  if (auto denied = deny_unless_allowed(s, ctx, t.resource)) co_return std::move(*denied);
  const auto analyzer = ctx.query_value("analyzer");
  if (analyzer) {
    if (auto refused = check_analyzer_name(s, std::string(*analyzer)))
      co_return std::move(*refused);
  }
  auto found = co_await allowed_frame(s, ctx, t);
  if (auto* r = std::get_if<httpd::response>(&found)) co_return std::move(*r);
  const auto f = std::get<core::frame_ptr>(found);
  // Decoding a 720p frame takes milliseconds: do it off the I/O threads.
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
  std::string error;
  auto report = analysis::analyze_jpeg(f->bytes(), &error);
  co_await asio::post(home, asio::use_awaitable);
  if (!report)
    co_return httpd::json_error(http::status::bad_gateway,
                                t.label + " sent a broken frame: " + error);
  nlohmann::json body = {
      {"success", true},
      {"message", "Frame captured successfully"},
      {"frame_size", {report->height, report->width, report->channels}},
      {"image_bytes_length", f->size()},
      {"frame_seq", f->seq()},
      {"captured_at_us", f->capture_us()},
      {"quality",
       {{"mean_luma", report->mean_luma},
        {"sharpness", report->sharpness},
        {"decode_ms", report->decode_ms}}},
  };
  body.update(t.about);
  if (analyzer) {
    auto named = co_await call_analyzer(s, std::string(*analyzer), t.resource, f);
    if (auto* refused = std::get_if<httpd::response>(&named)) co_return std::move(*refused);
    body["analysis"] = {{std::string(*analyzer), std::get<nlohmann::json>(named)}};
  }
  co_return httpd::json_response(http::status::ok, body);
}

}  // namespace camgate::api
