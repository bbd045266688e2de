#include "api/whep_routes.hpp"

#include "api/access_gate.hpp"
#include "api/camera_intake.hpp"
#include "api/picture_outputs.hpp"
#include "api/robot_lookup.hpp"
#include "auth/device_credential.hpp"
#include "webrtc/whep_sessions.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

constexpr std::size_t max_offer_bytes = 64 * 1024;
constexpr std::size_t max_fragment_bytes = 16 * 1024;

// Media types compare without parameters and case ("application/sdp; charset=utf-8").
bool has_media_type(const request_context& ctx, std::string_view type) {
  auto value = ctx.req[http::field::content_type];
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return beast::iequals(value, type);
}

response unavailable() {
  return json_error(http::status::service_unavailable,
                    "WebRTC is not available on this gateway (built without GStreamer)");
}

response session_error_response(const webrtc::session_error& e) {
  return json_error(static_cast<http::status>(e.status), e.error);
}

// What a WHEP request is about: a camera or a robot, and how to open a session of it.
struct whep_target {
  access::resource resource;
  std::string base;  // "/api/cameras/3/whep"
  std::function<asio::awaitable<std::variant<webrtc::opened_session, webrtc::session_error>>(
      std::string id, std::string offer, std::int64_t owner,
      outputs::output_session::closed_handler on_closed)>
      open;
};
using whep_resolver =
    std::function<std::variant<whep_target, response>(services& s, const request_context& ctx)>;

asio::awaitable<response> offer(services& s, request_context& ctx, const whep_target& t) {
  if (auto denied = deny_unless_allowed(s, ctx, t.resource)) co_return std::move(*denied);
  if (!has_media_type(ctx, "application/sdp"))
    co_return json_error(http::status::unsupported_media_type,
                         "a WHEP offer is Content-Type: application/sdp");
  const auto& body = ctx.req.body();
  if (body.size() > max_offer_bytes)
    co_return json_error(http::status::payload_too_large, "the SDP offer exceeds 64 KiB");
  auto link = make_live_link(s);
  if (auto refused = hold_stream_slot(s, ctx, link)) co_return std::move(*refused);
  const std::string id = auth::new_opaque_id();
  auto opened = co_await t.open(id, body, ctx.identity->user_id, link.on_closed);
  if (auto* err = std::get_if<webrtc::session_error>(&opened))
    co_return session_error_response(*err);
  auto& session = std::get<webrtc::opened_session>(opened);
  register_live(s, link, session.output, viewer_of(ctx), t.resource, "webrtc");
  if (!s.webrtc->find(id))  // the registry refused it (no audit row) or cut it already
    co_return json_error(http::status::forbidden, "the session ended before it started");
  auto res =
      httpd::bytes_response(http::status::created, "application/sdp", std::move(session.answer));
  res.message.set(http::field::location, t.base + "/" + id);
  res.message.set(http::field::cache_control, "no-store");
  co_return res;
}

// The session named in the path, if the caller may act on it: its viewer or an admin.
// Anyone else gets the same 404 as for a session that does not exist.
std::optional<response> check_session(services& s, const request_context& ctx,
                                      const whep_target& t) {
  const std::string id(ctx.param("session"));
  auto info = s.webrtc->find(id);
  const auto of =
      info ? (t.resource.kind == access::resource_kind::camera ? info->camera_id : info->robot_id)
           : 0;
  if (!info || of != t.resource.id || (info->owner != ctx.identity->user_id && !is_admin(ctx)))
    return json_error(http::status::not_found, "no such WebRTC session");
  return std::nullopt;
}

asio::awaitable<response> trickle(services& s, request_context& ctx, const whep_target& t) {
  if (auto refused = check_session(s, ctx, t)) co_return std::move(*refused);
  if (!has_media_type(ctx, "application/trickle-ice-sdpfrag"))
    co_return json_error(http::status::unsupported_media_type,
                         "candidates are Content-Type: application/trickle-ice-sdpfrag");
  if (ctx.req.body().size() > max_fragment_bytes)
    co_return json_error(http::status::payload_too_large, "the SDP fragment exceeds 16 KiB");
  if (auto err = s.webrtc->add_candidates(std::string(ctx.param("session")), ctx.req.body()))
    co_return session_error_response(*err);
  response res;
  res.message.result(http::status::no_content);
  co_return res;
}

asio::awaitable<response> hang_up(services& s, request_context& ctx, const whep_target& t) {
  if (auto refused = check_session(s, ctx, t)) co_return std::move(*refused);
  s.webrtc->close(std::string(ctx.param("session")), core::end_reason::viewer_closed);
  co_return httpd::json_response(http::status::ok, {{"success", true}});
}

std::variant<whep_target, response> camera_whep(services& s, const camera_resolver& by_id,
                                                const request_context& ctx) {
  auto found = by_id(ctx);
  if (auto* r = std::get_if<response>(&found)) return std::move(*r);
  auto cam = std::get<camera_ptr>(found);
  const auto id = cam->record.id;
  return whep_target{access::camera_resource(id), "/api/cameras/" + std::to_string(id) + "/whep",
                     [&s, id, ch = cam->channel](std::string sid, std::string offer,
                                                 std::int64_t owner, auto on_closed) {
                       return s.webrtc->open(std::move(sid), id, ch, std::move(offer), owner,
                                             std::move(on_closed));
                     }};
}

std::variant<whep_target, response> robot_whep(services& s, const request_context& ctx) {
  auto r = visible_robot(s, ctx);
  if (!r) return json_error(http::status::not_found, "no such robot");
  // In a cluster the robot's node owns its upstream (and its relay): WHEP plays there.
  if (s.presence_of && ctx.req.method() == http::verb::post) {
    const auto presence = s.presence_of(r->name);
    if (presence.online && !presence.node.empty())
      return json_error(http::status::conflict, "robot '" + r->name + "' is connected to node '" +
                                                    presence.node +
                                                    "': play it over WHEP from that node");
  }
  return whep_target{access::robot_resource(r->id),
                     "/api/robots/" + std::to_string(r->id) + "/whep",
                     [&s, id = r->id, name = r->name](std::string sid, std::string offer,
                                                      std::int64_t owner, auto on_closed) {
                       return s.webrtc->open_robot(std::move(sid), id, name, std::move(offer),
                                                   owner, std::move(on_closed));
                     }};
}

using whep_handler = asio::awaitable<response> (*)(services& s, request_context& ctx,
                                                   const whep_target& t);

httpd::handler with_target(services& s, whep_resolver resolve, whep_handler f) {
  return [&s, resolve = std::move(resolve), f](request_context& ctx) -> asio::awaitable<response> {
    if (!s.webrtc) co_return unavailable();
    auto found = resolve(s, ctx);
    if (auto* r = std::get_if<response>(&found)) co_return std::move(*r);
    co_return co_await f(s, ctx, std::get<whep_target>(found));
  };
}

void register_whep_at(httpd::router& r, services& s, const std::string& base,
                      const whep_resolver& resolve) {
  r.add(http::verb::post, base, with_target(s, resolve, offer));
  r.add(http::verb::patch, base + "/{session}", with_target(s, resolve, trickle));
  r.add(http::verb::delete_, base + "/{session}", with_target(s, resolve, hang_up));
  // WHEP clients ask what POST takes; no credential needed to learn that.
  r.add(
      http::verb::options, base,
      [](request_context&) -> asio::awaitable<response> {
        response res;
        res.message.result(http::status::no_content);
        res.message.set("Accept-Post", "application/sdp");
        res.message.set(http::field::allow, "OPTIONS, POST");
        co_return res;
      },
      httpd::access::open);
}

}  // namespace

void register_whep_routes(httpd::router& r, services& s, const camera_resolver& by_id) {
  register_whep_at(
      r, s, "/api/cameras/{id}/whep",
      [by_id](services& sv, const request_context& ctx) { return camera_whep(sv, by_id, ctx); });
  register_whep_at(r, s, "/api/robots/{id}/whep", robot_whep);
}

}  // namespace camgate::api
