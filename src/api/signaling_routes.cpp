// The WebRTC signaling endpoints: Socket.IO at /socket.io/, the plain WebSocket
// protocol at /signaling, and GET /api/webrtc/ice-servers. docs/signaling.md.
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "http/credential_authenticator.hpp"
#include "signaling/signaling_server.hpp"

namespace camgate::api {
namespace {

using httpd::request_context;
using httpd::response;

response not_running() {
  return httpd::json_error(http::status::service_unavailable, "signaling is not running");
}

asio::awaitable<response> socketio(services& s, request_context& ctx) {
  if (!s.signaling) co_return not_running();
  // The request's own credentials (header, access_token, cookie), if any; a token in
  // the CONNECT payload or ?token= is checked later, at CONNECT.
  std::optional<httpd::authenticated> handshake;
  if (!httpd::find_token(ctx).empty()) {
    auto outcome = s.signaling->authenticate(ctx);
    if (auto* a = std::get_if<httpd::authenticated>(&outcome)) handshake = *a;
  }
  co_return co_await s.signaling->socketio().handle(ctx, std::move(handshake));
}

asio::awaitable<response> plain(services& s, request_context& ctx) {
  if (!s.signaling) co_return not_running();
  if (!websocket::is_upgrade(ctx.req))
    co_return httpd::json_error(http::status::upgrade_required,
                                "this endpoint speaks WebSocket: send an Upgrade request");
  response res;
  res.takeover = [&s, who = *ctx.identity, exp = ctx.token_expires_at,
                  remote = ctx.remote_ip](httpd::connection&& c) {
    signaling::start_plain_session(std::move(c), s.signaling->hub(), who, exp, remote,
                                   s.signaling->plain());
  };
  co_return res;
}

asio::awaitable<response> ice_servers(services& s, request_context& ctx) {
  if (!s.signaling) co_return not_running();
  co_return httpd::json_response(http::status::ok,
                                 signaling::ice_servers_json(s.signaling->ice(), ctx.identity->name,
                                                             core::unix_micros() / 1000000));
}

}  // namespace

void register_signaling_routes(httpd::router& r, services& s) {
  for (auto verb : {http::verb::get, http::verb::post}) {
    r.add(
        verb, "/socket.io", [&s](request_context& ctx) { return socketio(s, ctx); },
        httpd::access::open);
  }
  r.add(http::verb::get, "/signaling", [&s](request_context& ctx) { return plain(s, ctx); });
  r.add(http::verb::get, "/api/webrtc/ice-servers",
        [&s](request_context& ctx) { return ice_servers(s, ctx); });
}

}  // namespace camgate::api
