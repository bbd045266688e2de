// People (/api/users): admins list, add and remove accounts. Robots are managed in
// /api/robots; they appear here with role "robot" but are not created here.
#include <spdlog/spdlog.h>

#include "api/access_gate.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "auth/password.hpp"
#include "core/clock.hpp"
#include "store/error.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

std::optional<response> admins_only(const request_context& ctx) {
  if (ctx.identity->role == auth::role::admin) return std::nullopt;
  return json_error(http::status::forbidden, "only an admin may manage users");
}

nlohmann::json user_json(const store::user& u) {
  return {{"id", u.id}, {"name", u.name}, {"username", u.name}, {"role", u.role}};
}

asio::awaitable<response> list_users(services& s, request_context& ctx) {
  if (auto denied = admins_only(ctx)) co_return std::move(*denied);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& u : s.users.list()) list.push_back(user_json(u));
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"users", list}});
}

asio::awaitable<response> add_user(services& s, request_context& ctx) {
  if (auto denied = admins_only(ctx)) co_return std::move(*denied);
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  const auto& obj = std::get<nlohmann::json>(body);
  std::optional<std::string> fields[3];
  const char* names[3] = {"username", "password", "role"};
  for (int i = 0; i < 3; ++i) {
    auto f = string_field(obj, names[i]);
    if (auto* err = std::get_if<std::string>(&f))
      co_return json_error(http::status::bad_request, *err);
    fields[i] = std::get<std::optional<std::string>>(f);
  }
  const auto& name = fields[0];
  const auto& password = fields[1];
  const std::string role = fields[2].value_or("user");
  if (!name || name->empty() || name->size() > 64)
    co_return json_error(http::status::bad_request, "username must be 1 to 64 characters");
  if (!password || password->size() < 8)
    co_return json_error(http::status::bad_request, "password must have at least 8 characters");
  if (role != "user" && role != "admin")
    co_return json_error(http::status::bad_request,
                         "role must be user or admin (robots: POST /api/robots)");
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
  const auto hash = auth::hash_password(*password);
  co_await asio::post(home, asio::use_awaitable);
  try {
    auto u = s.users.add(*name, role, hash);
    access_changed(s);
    spdlog::info("admin {} added {} {}", ctx.identity->name, role, u.name);
    auto res =
        httpd::json_response(http::status::created, {{"success", true}, {"user", user_json(u)}});
    res.message.set(http::field::location, "/api/users/" + std::to_string(u.id));
    co_return res;
  } catch (const store::conflict&) {
    co_return json_error(http::status::conflict, "a user named '" + *name + "' already exists");
  }
}

asio::awaitable<response> delete_user(services& s, request_context& ctx) {
  if (auto denied = admins_only(ctx)) co_return std::move(*denied);
  auto id = parse_id(ctx.param("id"));
  auto u = id ? s.users.find_by_id(*id) : std::nullopt;
  if (!u) co_return json_error(http::status::not_found, "no such user");
  if (u->id == ctx.identity->user_id)
    co_return json_error(http::status::bad_request, "an admin cannot remove their own account");
  if (u->role == "robot")
    co_return json_error(http::status::bad_request, "remove robots with DELETE /api/robots/{id}");
  s.users.remove(u->id);  // their bookings go with them...
  access_changed(s);      // ...and so do their tokens and live streams
  spdlog::info("admin {} removed user {}", ctx.identity->name, u->name);
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"id", u->id}});
}

nlohmann::json optional_int(const std::optional<std::int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// A user's sessions: their refresh-token families that can still be refreshed.
asio::awaitable<response> list_sessions(services& s, request_context& ctx) {
  if (auto denied = admins_only(ctx)) co_return std::move(*denied);
  auto id = parse_id(ctx.param("id"));
  auto u = id ? s.users.find_by_id(*id) : std::nullopt;
  if (!u) co_return json_error(http::status::not_found, "no such user");
  nlohmann::json list = nlohmann::json::array();
  if (s.refresh) {
    for (const auto& f : s.refresh->sessions(u->id, core::unix_seconds()))
      list.push_back({{"id", f.id},
                      {"created_at", f.created_at},
                      {"last_used_at", optional_int(f.last_used_at)},
                      {"expires_at", std::min(f.expires_at, f.token_expires_at)},
                      {"session_expires_at", f.expires_at},
                      {"remote", f.remote}});
  }
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true}, {"user_id", u->id}, {"sessions", list}});
}

// Signs a user out everywhere: every refresh family revoked and, through a new token
// generation, every access token and live stream ended.
asio::awaitable<response> revoke_sessions(services& s, request_context& ctx) {
  if (auto denied = admins_only(ctx)) co_return std::move(*denied);
  auto id = parse_id(ctx.param("id"));
  auto u = id ? s.users.find_by_id(*id) : std::nullopt;
  if (!u) co_return json_error(http::status::not_found, "no such user");
  std::int64_t revoked = 0;
  if (s.refresh)
    revoked =
        s.refresh->revoke_user(u->id, core::unix_seconds(), "revoked by " + ctx.identity->name);
  s.users.revoke_tokens(u->id, u->token_gen);
  access_changed(s);
  spdlog::info("admin {} ended the sessions of {} ({} refresh families)", ctx.identity->name,
               u->name, revoked);
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true}, {"id", u->id}, {"revoked", revoked}});
}

}  // namespace

void register_user_routes(httpd::router& r, services& s) {
  r.add(http::verb::get, "/api/users", [&s](request_context& ctx) { return list_users(s, ctx); });
  r.add(http::verb::post, "/api/users", [&s](request_context& ctx) { return add_user(s, ctx); });
  r.add(http::verb::delete_, "/api/users/{id}",
        [&s](request_context& ctx) { return delete_user(s, ctx); });
  r.add(http::verb::get, "/api/users/{id}/sessions",
        [&s](request_context& ctx) { return list_sessions(s, ctx); });
  r.add(http::verb::delete_, "/api/users/{id}/sessions",
        [&s](request_context& ctx) { return revoke_sessions(s, ctx); });
}

}  // namespace camgate::api
