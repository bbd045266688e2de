#include "cluster/internal_stream.hpp"

#include <charconv>
#include <optional>

#include "cluster/camera_leases.hpp"
#include "cluster/node_signature.hpp"
#include "core/clock.hpp"
#include "outputs/mjpeg_output.hpp"

namespace camgate::cluster {
namespace {

std::optional<std::int64_t> number(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc{} || end != text->data() + text->size()) return std::nullopt;
  return v;
}

asio::awaitable<httpd::response> camera_stream(cameras::camera_registry& cameras,
                                               const camera_leases& leases, std::string secret,
                                               std::chrono::seconds write_timeout,
                                               httpd::request_context& ctx) {
  const auto id = number(ctx.param("id"));
  const auto lease = number(ctx.query_value("lease"));
  const auto exp = number(ctx.query_value("exp"));
  const auto sig = ctx.query_value("sig");
  if (!id || !lease || !exp || !sig ||
      !verify_camera_stream(secret, *id, *lease, *exp, *sig, core::unix_micros() / 1000000))
    co_return httpd::json_error(http::status::unauthorized,
                                "a node-to-node call needs a valid cluster signature");
  auto cam = cameras.get(*id);
  if (!cam) co_return httpd::json_error(http::status::not_found, "no such camera");
  if (!leases.holds(*id, *lease))
    co_return httpd::json_error(http::status::conflict,
                                "this node does not hold that lease of the camera");
  httpd::response res;
  outputs::mjpeg_options opts;
  opts.write_timeout = write_timeout;
  res.takeover = [ch = cam->channel, opts](httpd::connection&& c) {
    outputs::start_mjpeg(std::move(c), ch, opts);
  };
  co_return res;
}

}  // namespace

void add_internal_routes(httpd::router& router, cameras::camera_registry& cameras,
                         const camera_leases& leases, std::string secret,
                         std::chrono::seconds write_timeout) {
  // The coroutine gets its own copy of the secret: it must not point into this lambda.
  router.add(
      http::verb::get, "/internal/cameras/{id}/stream",
      [&cameras, &leases, secret = std::move(secret), write_timeout](httpd::request_context& ctx) {
        return camera_stream(cameras, leases, secret, write_timeout, ctx);
      },
      httpd::access::open);
}

}  // namespace camgate::cluster
