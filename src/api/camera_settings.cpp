// A camera's sensor settings through the gateway: the ESP32 firmware's /status and
// /control, reached on the connection's executor (never blocking an I/O thread).
#include "api/camera_settings.hpp"

#include <spdlog/spdlog.h>

#include "api/access_gate.hpp"
#include "api/camera_intake.hpp"
#include "api/recording_json.hpp"
#include "api/request_body.hpp"
#include "sources/camera_control.hpp"
#include "sources/sensor_controls.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;
using sources::control_error;
using sources::control_failure;

sources::camera_control control_of(const services& s, const cameras::camera& cam) {
  return sources::camera_control(cam.source->endpoint(),
                                 std::chrono::milliseconds(s.config.cameras.probe_timeout_ms),
                                 gateway_guard(s));
}

std::string label(const cameras::camera& cam) {
  return "camera " + std::to_string(cam.record.id);
}

// The answer for a failure; `changed` (what was applied before it) goes along when set.
response failure_response(const cameras::camera& cam, const control_failure& f,
                          const nlohmann::json& changed = nullptr) {
  http::status status = http::status::bad_gateway;
  std::string error;
  switch (f.kind) {
    case control_error::unreachable:
      error = label(cam) + " is unreachable: " + f.message;
      break;
    case control_error::no_control:
      status = http::status::conflict;
      error = label(cam) +
              " has no /control (the seed's sketch): its settings cannot be read or changed";
      break;
    case control_error::rejected:
      status = http::status::unprocessable_entity;
      error = label(cam) + ": " + f.message;
      break;
  }
  nlohmann::json body = {{"success", false}, {"error", error}};
  if (!changed.is_null()) body["changed"] = changed;
  return httpd::json_response(status, body);
}

nlohmann::json settings_json(const cameras::camera& cam, const sources::camera_status& st) {
  nlohmann::json out = {{"success", true},
                        {"camera_id", cam.record.id},
                        {"settings", st.settings},
                        {"control_port", st.control_port}};
  const auto fs = st.settings.find("framesize");
  if (fs != st.settings.end() && fs->is_number_integer())
    out["framesize_name"] = std::string(sources::framesize_name(fs->get<int>()));
  return out;
}

asio::awaitable<response> read_settings(services& s, request_context& ctx, camera_ptr cam) {
  if (auto denied = deny_unless_allowed(s, ctx, camera_resource(cam->record.id)))
    co_return std::move(*denied);
  auto ctl = control_of(s, *cam);
  auto st = co_await ctl.read_status();
  if (auto* f = std::get_if<control_failure>(&st)) co_return failure_response(*cam, *f);
  co_return httpd::json_response(http::status::ok,
                                 settings_json(*cam, std::get<sources::camera_status>(st)));
}

asio::awaitable<response> change_settings(services& s, request_context& ctx, camera_ptr cam) {
  if (!is_admin(ctx))
    co_return json_error(http::status::forbidden, "only an admin may change a camera's settings");
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  auto checked = sources::validate_controls(std::get<nlohmann::json>(body));
  if (auto* err = std::get_if<std::string>(&checked))
    co_return json_error(http::status::bad_request, *err);
  const auto& settings = std::get<std::vector<sources::control_setting>>(checked);

  auto ctl = control_of(s, *cam);
  nlohmann::json changed = nlohmann::json::object();
  // Whatever reached the camera is audited, also when a later setting fails.
  auto audit = [&] {
    if (changed.empty()) return;
    audit_event(s, *ctx.identity, ctx.remote_ip, "camera", cam->record.id, "camera-settings",
                changed.dump());
    spdlog::info("user {} changed {} settings: {}", ctx.identity->name, label(*cam),
                 changed.dump());
  };
  for (const auto& [var, val] : settings) {
    if (auto f = co_await ctl.set_control(var, val)) {
      audit();
      co_return failure_response(*cam, *f, changed);
    }
    changed[var] = val;
  }
  audit();
  auto st = co_await ctl.read_status();
  if (auto* f = std::get_if<control_failure>(&st)) co_return failure_response(*cam, *f, changed);
  auto out = settings_json(*cam, std::get<sources::camera_status>(st));
  out["changed"] = changed;
  co_return httpd::json_response(http::status::ok, out);
}

}  // namespace

void register_camera_settings(httpd::router& r, services& s, const camera_resolver& resolve) {
  r.add(http::verb::get, "/api/cameras/{id}/settings",
        with_camera(resolve, [&s](request_context& ctx, camera_ptr cam) {
          return read_settings(s, ctx, std::move(cam));
        }));
  r.add(http::verb::patch, "/api/cameras/{id}/settings",
        with_camera(resolve, [&s](request_context& ctx, camera_ptr cam) {
          return change_settings(s, ctx, std::move(cam));
        }));
}

}  // namespace camgate::api
