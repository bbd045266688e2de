// The multi-camera REST API: /api/cameras and each camera's outputs.
#include <spdlog/spdlog.h>

#include "api/camera_intake.hpp"
#include "api/camera_json.hpp"
#include "api/camera_reads.hpp"
#include "api/camera_settings.hpp"
#ifdef CAMGATE_WITH_WEBRTC
#include "api/whep_routes.hpp"
#endif
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;
using cam_ptr = camera_ptr;

std::variant<cam_ptr, response> find_camera(services& s, const request_context& ctx) {
  auto id = parse_id(ctx.param("id"));
  if (!id) return json_error(http::status::bad_request, "camera id must be a positive integer");
  auto cam = s.cameras.get(*id);
  if (!cam)
    return json_error(http::status::not_found, "camera " + std::to_string(*id) + " does not exist");
  return cam;
}

// Body: {"name"?, "ip_address" | "host", "port"?, "url"?}
asio::awaitable<response> add_camera(services& s, request_context& ctx) {
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  const auto& obj = std::get<nlohmann::json>(body);
  std::optional<std::string> name, host, url;
  for (const char* key : {"name", "host", "ip_address", "url"}) {
    auto field = string_field(obj, key);
    if (auto* err = std::get_if<std::string>(&field))
      co_return json_error(http::status::bad_request, *err);
    auto value = std::get<std::optional<std::string>>(field);
    if (!value) continue;
    const std::string_view k(key);
    (k == "name" ? name : k == "url" ? url : host) = std::move(*value);
  }
  std::uint16_t port = 80;
  if (auto it = obj.find("port"); it != obj.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 65535)
      co_return json_error(http::status::bad_request, "port must be an integer from 1 to 65535");
    port = static_cast<std::uint16_t>(it->get<int>());
  }
  // A URL names host and port itself; otherwise ip_address (or host) and port.
  std::variant<camera_address, response> parsed =
      url && !url->empty() ? address_from_url(*url)
      : host && !host->empty()
          ? address_from_host(*host, port)
          : json_error(http::status::bad_request, "ip_address (or host or url) is required");
  if (auto* r = std::get_if<response>(&parsed)) co_return std::move(*r);
  const auto where = std::get<camera_address>(parsed);
  if (!name || name->empty()) name = "Camera " + where.host;
  if (name->size() > 200)
    co_return json_error(http::status::bad_request, "name is longer than 200 characters");

  auto admitted = co_await admit(s, ctx, where);
  if (admitted.refusal) co_return std::move(*admitted.refusal);
  if (admitted.existing) co_return duplicate_camera(*admitted.existing);
  auto [cam, added] = s.cameras.add_unique({0, *name, where.host, where.port, where.url, "api",
                                            ctx.identity->user_id, core::unix_micros() / 1000000});
  if (!added) co_return duplicate_camera(*cam);
  spdlog::info("user {} added camera {}", ctx.identity->name, cam->record.id);
  auto res = httpd::json_response(http::status::created,
                                  {{"success", true}, {"camera", camera_json(*cam, true)}});
  res.message.set(http::field::location, "/api/cameras/" + std::to_string(cam->record.id));
  co_return res;
}

asio::awaitable<response> list_cameras(services& s, request_context& ctx) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& cam : s.cameras.list()) list.push_back(camera_json(*cam, is_admin(ctx)));
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"cameras", list}});
}

bool is_creator(const request_context& ctx, const cameras::camera& cam) {
  return cam.record.created_by && *cam.record.created_by == ctx.identity->user_id;
}

asio::awaitable<response> rename_camera(services& s, request_context& ctx, cam_ptr cam) {
  if (!is_admin(ctx) && !is_creator(ctx, *cam))
    co_return json_error(http::status::forbidden,
                         "only an admin or the user who added a camera may rename it");
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  auto field = string_field(std::get<nlohmann::json>(body), "name");
  if (auto* err = std::get_if<std::string>(&field))
    co_return json_error(http::status::bad_request, *err);
  auto name = std::get<std::optional<std::string>>(field);
  if (!name || name->empty() || name->size() > 200)
    co_return json_error(http::status::bad_request, "name must be 1 to 200 characters");
  if (!s.cameras.rename(cam->record.id, *name))
    co_return json_error(http::status::not_found, "no camera " + std::to_string(cam->record.id));
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true}, {"id", cam->record.id}, {"name", *name}});
}

asio::awaitable<response> delete_camera(services& s, request_context& ctx, cam_ptr cam) {
  if (!is_admin(ctx) && !is_creator(ctx, *cam))
    co_return json_error(http::status::forbidden,
                         "only an admin or the user who added a camera may remove it");
  s.cameras.remove(cam->record.id, core::end_reason::camera_removed);
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"id", cam->record.id}});
}

}  // namespace

void register_camera_routes(httpd::router& r, services& s) {
  const camera_resolver by_id = [&s](const request_context& ctx) { return find_camera(s, ctx); };
  r.add(http::verb::get, "/api/cameras",
        [&s](request_context& ctx) { return list_cameras(s, ctx); });
  r.add(http::verb::post, "/api/cameras",
        [&s](request_context& ctx) { return add_camera(s, ctx); });
  r.add(http::verb::get, "/api/cameras/{id}",
        with_camera(by_id, [](request_context& ctx, cam_ptr cam) -> asio::awaitable<response> {
          co_return httpd::json_response(
              http::status::ok, {{"success", true}, {"camera", camera_json(*cam, is_admin(ctx))}});
        }));
  r.add(http::verb::patch, "/api/cameras/{id}",
        with_camera(
            by_id, [&s](request_context& ctx, cam_ptr cam) { return rename_camera(s, ctx, cam); }));
  r.add(http::verb::delete_, "/api/cameras/{id}",
        with_camera(
            by_id, [&s](request_context& ctx, cam_ptr cam) { return delete_camera(s, ctx, cam); }));
  register_camera_reads(
      r, s,
      {"/api/cameras/{id}/snapshot", "/api/cameras/{id}/stream", "/api/cameras/{id}/ws",
       "/api/cameras/{id}/analyze", "/api/cameras/{id}/events"},
      by_id);
  register_camera_settings(r, s, by_id);
#ifdef CAMGATE_WITH_WEBRTC
  register_whep_routes(r, s, by_id);
#endif
}

}  // namespace camgate::api
