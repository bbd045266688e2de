#include "api/camera_reads.hpp"

#include "api/camera_json.hpp"
#include "api/picture_outputs.hpp"

namespace camgate::api {

httpd::handler with_camera(camera_resolver resolve, camera_handler f) {
  return [resolve = std::move(resolve),
          f = std::move(f)](httpd::request_context& ctx) -> asio::awaitable<httpd::response> {
    auto found = resolve(ctx);
    if (auto* r = std::get_if<httpd::response>(&found)) co_return std::move(*r);
    co_return co_await f(ctx, std::get<camera_ptr>(found));
  };
}

picture_target camera_target(const services& s, const cameras::camera& cam) {
  picture_target t;
  t.resource = camera_resource(cam.record.id);
  t.label = "camera " + std::to_string(cam.record.id);
  t.channel = cam.channel;
  t.wait = std::chrono::milliseconds(s.config.cameras.snapshot_wait_ms);
  t.unreachable = [source = cam.source]() -> std::optional<std::string> {
    const auto st = source->status();
    if (st.state == sources::source_state::offline || st.state == sources::source_state::connecting)
      return st.last_error;
    return std::nullopt;
  };
  t.about = {{"camera_url", camera_base_url(cam.record)}, {"camera_id", cam.record.id}};
  return t;
}

namespace {

using target_handler = std::function<asio::awaitable<httpd::response>(
    services& s, const httpd::request_context& ctx, picture_target t)>;

httpd::handler with_target(services& s, target_resolver resolve, target_handler f) {
  return [&s, resolve = std::move(resolve),
          f = std::move(f)](httpd::request_context& ctx) -> asio::awaitable<httpd::response> {
    auto found = resolve(ctx);
    if (auto* r = std::get_if<httpd::response>(&found)) co_return std::move(*r);
    co_return co_await f(s, ctx, std::move(std::get<picture_target>(found)));
  };
}

// The two stream starters answer at once; as handlers they are coroutines like the rest.
template <httpd::response (*F)(services&, const httpd::request_context&, picture_target)>
asio::awaitable<httpd::response> at_once(services& s, const httpd::request_context& ctx,
                                         picture_target t) {
  co_return F(s, ctx, std::move(t));
}

}  // namespace

void register_picture_reads(httpd::router& r, services& s, const camera_read_paths& paths,
                            target_resolver resolve) {
  r.add(http::verb::get, paths.snapshot, with_target(s, resolve, snapshot_response));
  r.add(http::verb::get, paths.stream, with_target(s, resolve, at_once<mjpeg_response>));
  if (paths.ws_events)
    r.add(http::verb::get, paths.ws, with_target(s, resolve, at_once<websocket_response>));
  else
    r.add(http::verb::get, paths.ws, with_target(s, resolve, at_once<seed_websocket_response>));
  r.add(http::verb::post, paths.analyze, with_target(s, resolve, analysis_response));
  r.add(http::verb::get, paths.events, with_target(s, resolve, at_once<events_response>));
}

void register_camera_reads(httpd::router& r, services& s, const camera_read_paths& paths,
                           const camera_resolver& resolve) {
  register_picture_reads(r, s, paths,
                         [&s, resolve](const httpd::request_context& ctx)
                             -> std::variant<picture_target, httpd::response> {
                           auto found = resolve(ctx);
                           if (auto* res = std::get_if<httpd::response>(&found))
                             return std::move(*res);
                           return camera_target(s, *std::get<camera_ptr>(found));
                         });
}

}  // namespace camgate::api
