// Robots (/api/robots): devices that stream over WebRTC. Admins enrol and remove them
// and renew their credentials; everybody signed in sees the list with live state.
#include <spdlog/spdlog.h>

#include "api/access_gate.hpp"
#include "api/request_body.hpp"
#include "api/robot_enrolment.hpp"
#include "api/robot_lookup.hpp"
#ifdef CAMGATE_WITH_WEBRTC
#include "api/robot_reads.hpp"
#endif
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "store/error.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

nlohmann::json robot_json(services& s, const store::robot_record& r, const auth::identity& who) {
  const auto now = core::unix_micros() / 1000000;
  const auto d = s.policy.decide(who, {access::resource_kind::robot, r.id}, now);
  nlohmann::json j = {{"id", r.id},
                      {"name", r.name},
                      {"resource", "robot:" + std::to_string(r.id)},
                      {"created_at", r.created_at},
                      {"allowed_now", d.allowed}};
  const auto presence = s.presence_of ? s.presence_of(r.name) : robot_presence{};
  j["online"] = presence.online;
  j["viewers"] = presence.viewers;
  return j;
}

std::optional<response> admins_only(const request_context& ctx) {
  if (ctx.identity->role == auth::role::admin) return std::nullopt;
  return json_error(http::status::forbidden, "only an admin may manage robots");
}

asio::awaitable<response> list_robots(services& s, request_context& ctx) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : s.robots.list()) {
    // A robot sees itself only.
    if (ctx.identity->role == auth::role::robot && r.user_id != ctx.identity->user_id) continue;
    list.push_back(robot_json(s, r, *ctx.identity));
  }
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"robots", list}});
}

asio::awaitable<response> add_robot(services& s, request_context& ctx) {
  if (auto denied = admins_only(ctx)) co_return std::move(*denied);
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  auto field = string_field(std::get<nlohmann::json>(body), "name");
  if (auto* err = std::get_if<std::string>(&field))
    co_return json_error(http::status::bad_request, *err);
  const auto& name = std::get<std::optional<std::string>>(field);
  if (!name) co_return json_error(http::status::bad_request, "name is required");
  // Hashing the credential costs ~0.1 s: off the I/O threads.
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
  std::variant<enrolled_robot, response> outcome = json_error(http::status::bad_request, "");
  try {
    outcome = enrol_robot(s.users, s.robots, *name);
  } catch (const std::invalid_argument& e) {
    outcome = json_error(http::status::bad_request, e.what());
  } catch (const store::conflict& e) {
    outcome =
        json_error(http::status::conflict, "a user or robot named '" + *name + "' already exists");
  }
  co_await asio::post(home, asio::use_awaitable);
  if (auto* r = std::get_if<response>(&outcome)) co_return std::move(*r);
  access_changed(s);
  auto& enrolled = std::get<enrolled_robot>(outcome);
  spdlog::info("admin {} enrolled robot {} (id {})", ctx.identity->name, enrolled.robot.name,
               enrolled.robot.id);
  auto res = httpd::json_response(
      http::status::created, {{"success", true},
                              {"robot", robot_json(s, enrolled.robot, *ctx.identity)},
                              {"credential", enrolled.credential},
                              {"note", "the credential is shown once: store it on the robot"}});
  res.message.set(http::field::location, "/api/robots/" + std::to_string(enrolled.robot.id));
  res.message.set(http::field::cache_control, "no-store");
  co_return res;
}

asio::awaitable<response> renew_credential(services& s, request_context& ctx) {
  if (auto denied = admins_only(ctx)) co_return std::move(*denied);
  auto id = parse_id(ctx.param("id"));
  if (!id || !s.robots.get(*id)) co_return json_error(http::status::not_found, "no such robot");
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
  auto credential = renew_robot_credential(s.users, s.robots, *id);
  co_await asio::post(home, asio::use_awaitable);
  access_changed(s);  // the new credential revokes the robot's older tokens
  auto res = httpd::json_response(http::status::ok,
                                  {{"success", true}, {"id", *id}, {"credential", credential}});
  res.message.set(http::field::cache_control, "no-store");
  co_return res;
}

asio::awaitable<response> get_robot(services& s, request_context& ctx) {
  auto r = visible_robot(s, ctx);
  if (!r) co_return json_error(http::status::not_found, "no such robot");
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true}, {"robot", robot_json(s, *r, *ctx.identity)}});
}

asio::awaitable<response> delete_robot(services& s, request_context& ctx) {
  if (auto denied = admins_only(ctx)) co_return std::move(*denied);
  auto id = parse_id(ctx.param("id"));
  if (!id || !s.robots.get(*id)) co_return json_error(http::status::not_found, "no such robot");
  // Its credential stops working with its account; live sessions end now.
  s.robots.remove(*id);
  const auto cut =
      s.live.cut_resource({access::resource_kind::robot, *id}, access::end_reason::robot_removed);
  access_changed(s);
  spdlog::info("admin {} removed robot {} ({} live session(s) cut)", ctx.identity->name, *id, cut);
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"id", *id}});
}

}  // namespace

void register_robot_routes(httpd::router& r, services& s) {
  r.add(http::verb::get, "/api/robots", [&s](request_context& ctx) { return list_robots(s, ctx); });
  r.add(http::verb::post, "/api/robots", [&s](request_context& ctx) { return add_robot(s, ctx); });
  r.add(http::verb::get, "/api/robots/{id}",
        [&s](request_context& ctx) { return get_robot(s, ctx); });
  r.add(http::verb::delete_, "/api/robots/{id}",
        [&s](request_context& ctx) { return delete_robot(s, ctx); });
  r.add(http::verb::post, "/api/robots/{id}/credential",
        [&s](request_context& ctx) { return renew_credential(s, ctx); });
#ifdef CAMGATE_WITH_WEBRTC
  register_robot_reads(r, s);
#endif
}

}  // namespace camgate::api
