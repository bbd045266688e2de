// POST /auth/login and GET /auth/me.
#include <spdlog/spdlog.h>

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "auth/password.hpp"
#include "core/clock.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

// Body {"username", "password"} as JSON, or as the HTML/OAuth2 form FastAPI reads.
asio::awaitable<response> login(services& s, request_context& ctx) {
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  const auto& obj = std::get<nlohmann::json>(body);
  auto name_field = string_field(obj, "username");
  auto pass_field = string_field(obj, "password");
  if (auto* err = std::get_if<std::string>(&name_field))
    co_return json_error(http::status::bad_request, *err);
  if (auto* err = std::get_if<std::string>(&pass_field))
    co_return json_error(http::status::bad_request, *err);
  auto name = std::get<std::optional<std::string>>(name_field);
  auto password = std::get<std::optional<std::string>>(pass_field);
  if (!name || name->empty() || !password)
    co_return json_error(http::status::bad_request, "username and password are required");

  auto user = s.users.find_by_name(*name);
  // Argon2id costs ~0.1 s and 64 MiB: never on an I/O thread. An unknown user costs
  // the same as a wrong password, so timing does not reveal which names exist.
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
  bool ok = false;
  if (user && user->role != "robot")
    ok = auth::verify_password(user->password_hash, *password);
  else
    auth::dummy_verify();
  co_await asio::post(home, asio::use_awaitable);
  if (!ok) {
    spdlog::warn("failed login for '{}' from {}", *name, ctx.remote_ip);
    co_return json_error(http::status::unauthorized, "wrong username or password");
  }
  auth::identity id{user->id, user->name,
                    auth::role_from_string(user->role).value_or(auth::role::user)};
  auto issued = s.tokens.issue(id, core::unix_micros() / 1000000);
  spdlog::info("user {} logged in from {}", user->name, ctx.remote_ip);
  co_return httpd::json_response(http::status::ok, {{"access_token", issued.token},
                                                    {"token_type", "bearer"},
                                                    {"expires_in", issued.expires_in}});
}

asio::awaitable<response> me(services&, request_context& ctx) {
  const auto& id = *ctx.identity;
  co_return httpd::json_response(
      http::status::ok,
      {{"success", true},
       {"user", {{"id", id.user_id}, {"name", id.name}, {"role", auth::to_string(id.role)}}}});
}

}  // namespace

void register_auth_routes(httpd::router& r, services& s) {
  r.add(
      http::verb::post, "/auth/login", [&s](request_context& ctx) { return login(s, ctx); },
      httpd::access::open);
  r.add(http::verb::get, "/auth/me", [&s](request_context& ctx) { return me(s, ctx); });
}

}  // namespace camgate::api
