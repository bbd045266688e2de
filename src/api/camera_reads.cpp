#include "api/camera_reads.hpp"

#include "api/camera_outputs.hpp"

namespace camgate::api {

httpd::handler with_camera(camera_resolver resolve, camera_handler f) {
  return [resolve = std::move(resolve),
          f = std::move(f)](httpd::request_context& ctx) -> asio::awaitable<httpd::response> {
    auto found = resolve(ctx);
    if (auto* r = std::get_if<httpd::response>(&found)) co_return std::move(*r);
    co_return co_await f(ctx, std::get<camera_ptr>(found));
  };
}

void register_camera_reads(httpd::router& r, services& s, const camera_read_paths& paths,
                           const camera_resolver& resolve) {
  using httpd::request_context;
  using httpd::response;
  r.add(http::verb::get, paths.snapshot,
        with_camera(resolve, [&s](request_context& ctx, camera_ptr cam) {
          return snapshot_response(s, ctx, std::move(cam));
        }));
  r.add(
      http::verb::get, paths.stream,
      with_camera(resolve, [&s](request_context& ctx, camera_ptr cam) -> asio::awaitable<response> {
        co_return mjpeg_response(s, ctx, std::move(cam));
      }));
  r.add(
      http::verb::get, paths.ws,
      with_camera(resolve, [&s](request_context& ctx, camera_ptr cam) -> asio::awaitable<response> {
        co_return websocket_response(s, ctx, std::move(cam));
      }));
  r.add(http::verb::post, paths.analyze,
        with_camera(resolve, [&s](request_context& ctx, camera_ptr cam) {
          return analysis_response(s, ctx, std::move(cam));
        }));
}

}  // namespace camgate::api
