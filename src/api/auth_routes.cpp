// POST /auth/login, /auth/refresh, /auth/logout, /auth/stream-ticket and GET /auth/me.
#include <spdlog/spdlog.h>

#include "api/access_gate.hpp"
#include "api/recording_access.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/token_authenticator.hpp"
#include "auth/password.hpp"
#include "core/clock.hpp"
#include "http/credential_authenticator.hpp"
#include "store/recording_repository.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

// The refresh cookie goes only to /auth/ (refresh, logout): no other request carries it.
constexpr std::string_view refresh_cookie = "camgate_refresh";

std::string cookie_attributes(const services& s, const request_context& ctx) {
  return std::string("; HttpOnly; SameSite=Strict") +
         (s.config.auth.cookie_secure || ctx.tls ? "; Secure" : "");
}

std::string clear_refresh_cookie(const services& s, const request_context& ctx) {
  return std::string(refresh_cookie) + "=; Path=/auth/; Max-Age=0" + cookie_attributes(s, ctx);
}

// Login's answer, also refresh's: a new access token for `id` (and the session cookie),
// and the refresh token when there is one (and its cookie).
response session_reply(services& s, const request_context& ctx, const auth::identity& id,
                       std::int64_t now, const std::optional<auth::issued_refresh>& refresh) {
  // A user another process just added or changed: the index must know them before the
  // token is used.
  if (s.sync) s.sync->ensure_user(id.user_id, id.token_gen);
  auto issued = s.tokens.issue(id, now);
  // The seed's three fields first; the rest is ours.
  nlohmann::json body = {
      {"access_token", issued.token},
      {"token_type", "bearer"},
      {"expires_in", issued.expires_in},
      {"expires_at", issued.expires_at},
      {"user", {{"id", id.user_id}, {"name", id.name}, {"role", auth::to_string(id.role)}}}};
  if (refresh) {
    body["refresh_token"] = refresh->token;
    body["refresh_expires_in"] = refresh->expires_in;
    body["refresh_expires_at"] = refresh->expires_at;
  }
  auto res = httpd::json_response(http::status::ok, body);
  // The web page's session: HttpOnly keeps it from scripts, SameSite=Strict from
  // requests other sites make.
  res.message.insert(http::field::set_cookie,
                     std::string(httpd::session_cookie) + "=" + issued.token +
                         "; Path=/; Max-Age=" + std::to_string(issued.expires_in) +
                         cookie_attributes(s, ctx));
  if (refresh)
    res.message.insert(http::field::set_cookie,
                       std::string(refresh_cookie) + "=" + refresh->token +
                           "; Path=/auth/; Max-Age=" + std::to_string(refresh->expires_in) +
                           cookie_attributes(s, ctx));
  return res;
}

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

  // 429 only per client address (every attempt counts) and per (name, address)
  // failures. Failures for the name from all addresses only delay it, right and wrong
  // passwords alike (the delay reveals nothing): a stranger slows bob down but never
  // gets bob's correct password refused.
  const auto now_ms = steady_ms();
  const auto user_key = request_limits::login_key(*name, ctx.remote_ip);
  if (s.limits && s.limits->login_by_ip) {
    if (auto d = s.limits->login_by_ip->take(ctx.remote_ip, now_ms); !d.allowed)
      co_return too_many_requests("too many login attempts from this address", d.retry_after_s);
  }
  if (s.limits && s.limits->login_by_user) {
    if (auto d = s.limits->login_by_user->peek(user_key, now_ms); !d.allowed)
      co_return too_many_requests("too many failed logins for this user from this address",
                                  d.retry_after_s);
  }
  if (s.limits && s.limits->login_delay_by_name &&
      !s.limits->login_delay_by_name->peek(*name, now_ms).allowed) {
    asio::steady_timer delay(co_await asio::this_coro::executor,
                             std::chrono::milliseconds(s.limits->login_failure_delay_ms));
    co_await delay.async_wait(asio::use_awaitable);
  }

  auto user = s.users.find_by_name(*name);
  // Argon2id costs ~0.1 s and 64 MiB: never on an I/O thread. An unknown user costs
  // the same as a wrong password, so timing does not reveal which names exist.
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
  // Robots log in the same way, with the device credential `camgate robot add` printed.
  bool ok = false;
  if (user)
    ok = auth::verify_password(user->password_hash, *password);
  else
    auth::dummy_verify();
  co_await asio::post(home, asio::use_awaitable);
  if (!ok) {
    if (s.limits && s.limits->login_by_user) s.limits->login_by_user->take(user_key, now_ms);
    if (s.limits && s.limits->login_delay_by_name)
      s.limits->login_delay_by_name->take(*name, now_ms);
    spdlog::warn("failed login for '{}' from {}", *name, ctx.remote_ip);
    co_return json_error(http::status::unauthorized, "wrong username or password");
  }
  auth::identity id{user->id, user->name,
                    auth::role_from_string(user->role).value_or(auth::role::user), user->token_gen};
  spdlog::info("{} {} logged in from {}", user->role, user->name, ctx.remote_ip);
  const auto now = core::unix_micros() / 1000000;
  std::optional<auth::issued_refresh> refresh;
  if (s.refresh) refresh = s.refresh->issue(id, now, ctx.remote_ip);
  co_return session_reply(s, ctx, id, now, refresh);
}

// {"refresh_token": "..."} or the refresh cookie -> a new access token and the next
// refresh token of the same family (the presented one is used up), answered like login.
asio::awaitable<response> refresh(services& s, request_context& ctx) {
  if (!s.refresh) co_return json_error(http::status::not_found, "refresh tokens are off");
  if (s.limits && s.limits->refresh_by_ip) {
    if (auto d = s.limits->refresh_by_ip->take(ctx.remote_ip, steady_ms()); !d.allowed)
      co_return too_many_requests("too many refreshes from this address", d.retry_after_s);
  }
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  auto field = string_field(std::get<nlohmann::json>(body), "refresh_token");
  if (auto* err = std::get_if<std::string>(&field))
    co_return json_error(http::status::bad_request, *err);
  const auto& in_body = std::get<std::optional<std::string>>(field);
  const bool from_cookie = !in_body;
  const std::string token =
      in_body ? *in_body
              : std::string(httpd::cookie_value(ctx.req[http::field::cookie], refresh_cookie));
  if (token.empty())
    co_return json_error(http::status::bad_request,
                         "refresh_token is required (in the JSON body or the " +
                             std::string(refresh_cookie) + " cookie)");
  const auto now = core::unix_micros() / 1000000;
  auto r = s.refresh->rotate(token, now, ctx.remote_ip);
  if (!r) {
    const auto status = r.error == auth::refresh_error::malformed ? http::status::bad_request
                                                                  : http::status::unauthorized;
    auto res = json_error(status, r.reason);
    // A cookie that cannot work any more is dropped, so the page stops sending it.
    if (from_cookie) res.message.insert(http::field::set_cookie, clear_refresh_cookie(s, ctx));
    co_return res;
  }
  co_return session_reply(s, ctx, r.who, now, r.next);
}

// Logs out everywhere: a valid token's user gets a new token generation, so every token
// and ticket issued to them stops working and their live streams end ("token revoked").
asio::awaitable<response> logout(services& s, request_context& ctx) {
  const auto now = core::unix_micros() / 1000000;
  const auto token = httpd::find_token(ctx);
  if (auto v = token.empty() ? auth::verify_result{} : s.tokens.verify(token, now)) {
    if (s.users.revoke_tokens(v.identity->user_id, v.identity->token_gen)) {
      access_changed(s);
      spdlog::info("{} {} logged out everywhere", auth::to_string(v.identity->role),
                   v.identity->name);
    }
  }
  // The refresh token's family ends too, even when the access token has expired already.
  if (s.refresh) {
    std::string refresh_token;
    auto body = json_object_body(ctx);
    if (auto* obj = std::get_if<nlohmann::json>(&body)) {
      if (auto it = obj->find("refresh_token"); it != obj->end() && it->is_string())
        refresh_token = it->get<std::string>();
    }
    if (refresh_token.empty())
      refresh_token = httpd::cookie_value(ctx.req[http::field::cookie], refresh_cookie);
    if (!refresh_token.empty()) s.refresh->revoke(refresh_token, now, "logout");
  }
  auto res = httpd::json_response(http::status::ok, {{"success", true}});
  res.message.insert(
      http::field::set_cookie,
      std::string(httpd::session_cookie) + "=; Path=/; Max-Age=0" + cookie_attributes(s, ctx));
  res.message.insert(http::field::set_cookie, clear_refresh_cookie(s, ctx));
  co_return res;
}

// {"resource": "recording:7"} -> a ticket for that recording's media and download, for as
// long as a player keeps asking for ranges of it (an hour, never past the token).
response recording_ticket(services& s, request_context& ctx, const std::string& resource) {
  const auto canonical = ticket_resource("/api/recordings/" + resource.substr(10) + "/media");
  if (!canonical || *canonical != resource || !s.recording_rows || !s.playback_tickets)
    return json_error(http::status::bad_request, "resource must be \"recording:<id>\"");
  const auto now = core::unix_micros() / 1000000;
  const auto row = s.recording_rows->get(std::stoll(resource.substr(10)));
  if (!row) return json_error(http::status::not_found, "no " + resource);
  if (auto why = recording_viewer(s, *ctx.identity, now).refusal(*row, true); !why.empty())
    return json_error(http::status::forbidden, why);
  try {
    auto t = s.playback_tickets->issue(*ctx.identity, resource, ctx.token_expires_at, now);
    return httpd::json_response(http::status::ok, {{"success", true},
                                                   {"ticket", t.token},
                                                   {"resource", resource},
                                                   {"expires_in", t.expires_in},
                                                   {"expires_at", t.expires_at}});
  } catch (const std::exception& e) {
    return json_error(http::status::bad_request, e.what());
  }
}

// {"resource": "camera:3"} (or "robot:2") -> a 60-second ticket for that camera's stream,
// ws, snapshot and WHEP URLs (?ticket=...), so the long-lived token stays out of URLs and logs.
asio::awaitable<response> stream_ticket(services& s, request_context& ctx) {
  if (!s.tickets) co_return json_error(http::status::not_found, "stream tickets are off");
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  const auto& obj = std::get<nlohmann::json>(body);
  auto field = string_field(obj, "resource");
  if (auto* err = std::get_if<std::string>(&field))
    co_return json_error(http::status::bad_request, *err);
  const auto& resource = std::get<std::optional<std::string>>(field);
  if (resource && resource->starts_with("recording:"))
    co_return recording_ticket(s, ctx, *resource);
  // The same parse as the URLs a ticket opens: "camera:<id>" or "robot:<id>", canonical.
  const auto colon = resource ? resource->find(':') : std::string::npos;
  const auto canonical = colon == std::string::npos
                             ? std::nullopt
                             : ticket_resource("/api/" + resource->substr(0, colon) + "s/" +
                                               resource->substr(colon + 1) + "/stream");
  if (!canonical || *canonical != *resource)
    co_return json_error(http::status::bad_request,
                         "resource must be \"camera:<id>\" or \"robot:<id>\" (a stream ticket "
                         "opens one camera or robot)");
  const std::int64_t id = std::stoll(resource->substr(colon + 1));
  const bool robot = resource->starts_with("robot:");
  if (robot ? !s.robots.get(id) : !s.cameras.get(id))
    co_return json_error(http::status::not_found,
                         std::string(robot ? "no robot " : "no camera ") + std::to_string(id));
  const auto what = robot ? access::robot_resource(id) : access::camera_resource(id);
  if (auto denied = deny_unless_allowed(s, ctx, what)) co_return std::move(*denied);
  const auto now = core::unix_micros() / 1000000;
  try {
    auto t = s.tickets->issue(*ctx.identity, *resource, ctx.token_expires_at, now);
    co_return httpd::json_response(http::status::ok, {{"success", true},
                                                      {"ticket", t.token},
                                                      {"resource", *resource},
                                                      {"expires_in", t.expires_in},
                                                      {"expires_at", t.expires_at}});
  } catch (const std::exception& e) {
    co_return json_error(http::status::bad_request, e.what());
  }
}

asio::awaitable<response> me(services&, request_context& ctx) {
  const auto& id = *ctx.identity;
  co_return httpd::json_response(
      http::status::ok,
      {{"success", true},
       {"user", {{"id", id.user_id}, {"name", id.name}, {"role", auth::to_string(id.role)}}},
       // When the credential that asked ends (0: it does not say), for the page's refresh.
       {"expires_at", ctx.token_expires_at}});
}

}  // namespace

void register_auth_routes(httpd::router& r, services& s) {
  r.add(
      http::verb::post, "/auth/login", [&s](request_context& ctx) { return login(s, ctx); },
      httpd::access::open);
  // Open: the access token may be gone; the refresh token is the credential.
  r.add(
      http::verb::post, "/auth/refresh", [&s](request_context& ctx) { return refresh(s, ctx); },
      httpd::access::open);
  r.add(http::verb::get, "/auth/me", [&s](request_context& ctx) { return me(s, ctx); });
  // Open: logging out must work with an expired cookie too.
  r.add(
      http::verb::post, "/auth/logout", [&s](request_context& ctx) { return logout(s, ctx); },
      httpd::access::open);
  r.add(http::verb::post, "/auth/stream-ticket",
        [&s](request_context& ctx) { return stream_ticket(s, ctx); });
}

}  // namespace camgate::api
