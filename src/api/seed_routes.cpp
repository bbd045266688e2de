// The seed document's /streaming API, kept exactly as it is written there (paths,
// fields, messages). Each call acts on the caller's selected camera (the one
// setup-camera chose) or on ?camera_id=.
#include <spdlog/spdlog.h>

#include "api/camera_intake.hpp"
#include "api/camera_json.hpp"
#include "api/camera_reads.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

// The camera a seed call acts on, or the answer to send instead.
std::variant<camera_ptr, response> target_camera(services& s, const request_context& ctx) {
  std::optional<std::int64_t> id;
  if (auto q = ctx.query_value("camera_id")) {
    id = parse_id(*q);
    if (!id) return json_error(http::status::bad_request, "camera_id must be a positive integer");
  } else {
    id = s.selections.selected(ctx.identity->user_id);
  }
  if (!id)
    return json_error(
        http::status::not_found,
        "no camera selected: call POST /streaming/setup-camera first or pass ?camera_id=");
  auto cam = s.cameras.get(*id);
  if (!cam)
    return json_error(http::status::not_found, "camera " + std::to_string(*id) + " does not exist");
  return cam;
}

asio::awaitable<response> setup_camera(services& s, request_context& ctx) {
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  const auto& obj = std::get<nlohmann::json>(body);

  auto ip_field = string_field(obj, "ip_address");
  if (auto* err = std::get_if<std::string>(&ip_field))
    co_return json_error(http::status::bad_request, *err);
  auto ip = std::get<std::optional<std::string>>(ip_field);
  if (!ip || ip->empty()) co_return json_error(http::status::bad_request, "ip_address is required");
  std::int64_t port = 80;
  if (auto it = obj.find("port"); it != obj.end() && !it->is_null()) {
    if (it->is_number_integer()) {
      port = it->get<std::int64_t>();
    } else if (it->is_string()) {
      auto parsed = parse_id(it->get<std::string>());
      if (!parsed)
        co_return json_error(http::status::bad_request, "port must be an integer from 1 to 65535");
      port = *parsed;
    } else {
      co_return json_error(http::status::bad_request, "port must be an integer from 1 to 65535");
    }
  }
  if (port < 1 || port > 65535)
    co_return json_error(http::status::bad_request, "port must be an integer from 1 to 65535");
  auto parsed = address_from_host(*ip, static_cast<std::uint16_t>(port));
  if (auto* r = std::get_if<response>(&parsed)) co_return std::move(*r);
  const auto where = std::get<camera_address>(parsed);

  store::camera_record probe_target{0, "", where.host, where.port, "", "setup", {}, 0};
  const auto camera_url = camera_base_url(probe_target);
  // A camera already at this device is selected as it is: no probe, no second upstream.
  auto admitted = co_await admit(s, ctx, where);
  if (admitted.refusal) co_return std::move(*admitted.refusal);
  auto cam = admitted.existing;
  if (!cam) {
    auto result = co_await sources::probe(
        where.host, where.port, std::chrono::milliseconds(s.config.cameras.probe_timeout_ms),
        gateway_guard(s));
    if (!result.ok()) {
      const auto status = result.result == sources::probe_result::outcome::timeout
                              ? http::status::gateway_timeout
                              : http::status::bad_gateway;
      co_return json_error(status, "could not connect to ESP32 camera at " + camera_url + ": " +
                                       (result.error.empty() ? "no answer" : result.error));
    }
    cam = s.cameras
              .add_unique({0, "ESP32 " + where.host, where.host, where.port, "", "setup",
                           ctx.identity->user_id, core::unix_micros() / 1000000})
              .first;
  }
  s.selections.select(ctx.identity->user_id, cam->record.id);
  spdlog::info("user {} set up camera {} at {}", ctx.identity->name, cam->record.id, camera_url);
  co_return httpd::json_response(
      http::status::ok, {{"success", true},
                         {"message", "ESP32 camera connected successfully at " + camera_url},
                         {"camera_url", camera_url},
                         {"stream_url", camera_url + "/stream"},
                         {"snapshot_url", camera_url + "/capture"},
                         {"camera_id", cam->record.id}});
}

asio::awaitable<response> camera_status(services& s, request_context& ctx) {
  auto target = target_camera(s, ctx);
  if (auto* r = std::get_if<response>(&target)) {
    if (r->message.result() != http::status::not_found || ctx.query_value("camera_id"))
      co_return std::move(*r);
    // Nothing selected is a state, not an error, for a status call.
    co_return httpd::json_response(http::status::ok, {{"success", true},
                                                      {"is_connected", false},
                                                      {"camera_url", nullptr},
                                                      {"stream_url", nullptr},
                                                      {"snapshot_url", nullptr}});
  }
  auto cam = std::get<camera_ptr>(target);
  const auto st = cam->source->status();
  // A user who set the camera up gave its address; anyone else's camera stays opaque.
  const bool show = is_admin(ctx) ||
                    s.selections.selected(ctx.identity->user_id) == cam->record.id ||
                    cam->record.created_by == ctx.identity->user_id;
  const auto url = camera_base_url(cam->record);
  const auto or_null = [show](const std::string& v) {
    return show ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  const bool connected = st.state == sources::source_state::streaming ||
                         st.state == sources::source_state::polling ||
                         st.state == sources::source_state::stale;
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true},
                                  {"is_connected", connected},
                                  {"camera_url", or_null(url)},
                                  {"stream_url", or_null(url + "/stream")},
                                  {"snapshot_url", or_null(url + "/capture")},
                                  {"camera_id", cam->record.id},
                                  {"state", std::string(sources::to_string(st.state))},
                                  {"fps", st.fps},
                                  {"last_frame_age_ms", st.last_frame_age_ms}});
}

asio::awaitable<response> disconnect_camera(services& s, request_context& ctx) {
  const auto user = ctx.identity->user_id;
  auto id = s.selections.selected(user);
  if (!id)
    co_return httpd::json_response(http::status::ok,
                                   {{"success", true}, {"message", "No camera was connected"}});
  s.selections.clear(user);
  // A camera that only setup-camera brought in goes away with its last user, when that
  // is the user who brought it in: nobody removes someone else's camera this way.
  if (auto cam = s.cameras.get(*id); cam && cam->record.origin == "setup" &&
                                     cam->record.created_by == user &&
                                     s.selections.count_selecting(*id) == 0)
    s.cameras.remove(*id, core::end_reason::camera_removed);
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true}, {"message", "Camera disconnected"}});
}

}  // namespace

void register_seed_routes(httpd::router& r, services& s) {
  r.add(http::verb::post, "/streaming/setup-camera",
        [&s](request_context& ctx) { return setup_camera(s, ctx); });
  r.add(http::verb::get, "/streaming/camera-status",
        [&s](request_context& ctx) { return camera_status(s, ctx); });
  r.add(http::verb::delete_, "/streaming/disconnect-camera",
        [&s](request_context& ctx) { return disconnect_camera(s, ctx); });
  // The caller's selected camera, or ?camera_id=.
  register_camera_reads(r, s,
                        {"/streaming/snapshot", "/streaming/stream", "/streaming/ws-stream",
                         "/streaming/analyze-stream", "/streaming/events", false},
                        [&s](const request_context& ctx) { return target_camera(s, ctx); });
}

}  // namespace camgate::api
