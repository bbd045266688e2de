#include "api/whep_routes.hpp"

#include "api/access_gate.hpp"
#include "api/camera_intake.hpp"
#include "api/camera_outputs.hpp"
#include "auth/device_credential.hpp"
#include "webrtc/camera_sessions.hpp"

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

std::string session_path(std::int64_t camera_id, const std::string& session) {
  return "/api/cameras/" + std::to_string(camera_id) + "/whep/" + session;
}

asio::awaitable<response> offer(services& s, request_context& ctx, camera_ptr cam) {
  if (!s.webrtc) co_return unavailable();
  if (auto denied = deny_unless_allowed(s, ctx, cam->record.id)) co_return std::move(*denied);
  if (!has_media_type(ctx, "application/sdp"))
    co_return json_error(http::status::unsupported_media_type,
                         "a WHEP offer is Content-Type: application/sdp");
  const auto& body = ctx.req.body();
  if (body.size() > max_offer_bytes)
    co_return json_error(http::status::payload_too_large, "the SDP offer exceeds 64 KiB");
  auto link = make_live_link(s);
  if (auto refused = hold_stream_slot(s, ctx, link)) co_return std::move(*refused);
  const std::string id = auth::new_opaque_id();
  auto opened = co_await s.webrtc->open(id, cam->record.id, cam->channel, body,
                                        ctx.identity->user_id, link.on_closed);
  if (auto* err = std::get_if<webrtc::session_error>(&opened))
    co_return session_error_response(*err);
  auto& session = std::get<webrtc::opened_session>(opened);
  register_live(s, link, session.output, viewer_of(ctx), cam->record.id, "webrtc");
  if (!s.webrtc->find(id))  // the registry refused it (no audit row) or cut it already
    co_return json_error(http::status::forbidden, "the session ended before it started");
  auto res =
      httpd::bytes_response(http::status::created, "application/sdp", std::move(session.answer));
  res.message.set(http::field::location, session_path(cam->record.id, id));
  res.message.set(http::field::cache_control, "no-store");
  co_return res;
}

// The session named in the path, if the caller may act on it: its viewer or an admin.
// Anyone else gets the same 404 as for a session that does not exist.
std::optional<response> check_session(services& s, const request_context& ctx, camera_ptr cam) {
  if (!s.webrtc) return unavailable();
  const std::string id(ctx.param("session"));
  auto info = s.webrtc->find(id);
  if (!info || info->camera_id != cam->record.id ||
      (info->owner != ctx.identity->user_id && !is_admin(ctx)))
    return json_error(http::status::not_found, "no such WebRTC session");
  return std::nullopt;
}

asio::awaitable<response> trickle(services& s, request_context& ctx, camera_ptr cam) {
  if (auto refused = check_session(s, ctx, cam)) co_return std::move(*refused);
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

asio::awaitable<response> hang_up(services& s, request_context& ctx, camera_ptr cam) {
  if (auto refused = check_session(s, ctx, cam)) co_return std::move(*refused);
  s.webrtc->close(std::string(ctx.param("session")), core::end_reason::viewer_closed);
  co_return httpd::json_response(http::status::ok, {{"success", true}});
}

}  // namespace

void register_whep_routes(httpd::router& r, services& s, const camera_resolver& by_id) {
  r.add(http::verb::post, "/api/cameras/{id}/whep",
        with_camera(by_id,
                    [&s](request_context& ctx, camera_ptr cam) { return offer(s, ctx, cam); }));
  r.add(http::verb::patch, "/api/cameras/{id}/whep/{session}",
        with_camera(by_id,
                    [&s](request_context& ctx, camera_ptr cam) { return trickle(s, ctx, cam); }));
  r.add(http::verb::delete_, "/api/cameras/{id}/whep/{session}",
        with_camera(by_id,
                    [&s](request_context& ctx, camera_ptr cam) { return hang_up(s, ctx, cam); }));
  // WHEP clients ask what POST takes; no credential needed to learn that.
  r.add(
      http::verb::options, "/api/cameras/{id}/whep",
      [](request_context&) -> asio::awaitable<response> {
        response res;
        res.message.result(http::status::no_content);
        res.message.set("Accept-Post", "application/sdp");
        res.message.set(http::field::allow, "OPTIONS, POST");
        co_return res;
      },
      httpd::access::open);
}

}  // namespace camgate::api
