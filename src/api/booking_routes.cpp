// Bookings (/api/bookings) and the audit log (/api/audit). Admins manage bookings; a
// user lists their own. Every change moves the deadlines of that user's live streams.
#include <ctime>

#include <spdlog/spdlog.h>

#include "api/access_gate.hpp"
#include "api/recording_json.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "store/error.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

bool is_admin(const request_context& ctx) {
  return ctx.identity->role == auth::role::admin;
}

std::string iso_time(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Unix seconds, or an ISO 8601 UTC time "2026-11-22T10:00:00Z".
std::optional<std::int64_t> time_field(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (!v.is_string()) return std::nullopt;
  return parse_time_or_id(v.get<std::string>());
}

nlohmann::json booking_json(services& s, const store::booking& b) {
  const auto user = s.users.find_by_id(b.user_id);
  return {{"id", b.id},
          {"user_id", b.user_id},
          {"username", user ? user->name : ""},
          {"resource", b.resource_kind + ":" + std::to_string(b.resource_id)},
          {"resource_kind", b.resource_kind},
          {"resource_id", b.resource_id},
          {"starts_at", b.starts_at},
          {"ends_at", b.ends_at},
          {"starts_at_iso", iso_time(b.starts_at)},
          {"ends_at_iso", iso_time(b.ends_at)},
          {"note", b.note},
          {"created_at", b.created_at}};
}

// Fills `b` from a JSON body; returns an error message or empty.
std::string read_booking(services& s, const nlohmann::json& body, store::booking& b) {
  if (auto it = body.find("user_id"); it != body.end()) {
    if (!it->is_number_integer()) return "user_id must be an integer";
    b.user_id = it->get<std::int64_t>();
  } else if (auto un = body.find("username"); un != body.end()) {
    if (!un->is_string()) return "username must be a string";
    auto u = s.users.find_by_name(un->get<std::string>());
    if (!u) return "no user named '" + un->get<std::string>() + "'";
    b.user_id = u->id;
  }
  if (auto it = body.find("resource"); it != body.end()) {
    if (!it->is_string()) return "resource must be \"camera:<id>\" or \"robot:<id>\"";
    const auto text = it->get<std::string>();
    const auto colon = text.find(':');
    auto id = colon == std::string::npos ? std::nullopt
                                         : parse_id(std::string_view(text).substr(colon + 1));
    const auto kind = text.substr(0, colon);
    if (!id || (kind != "camera" && kind != "robot"))
      return "resource must be \"camera:<id>\" or \"robot:<id>\"";
    b.resource_kind = kind;
    b.resource_id = *id;
  }
  for (const char* key : {"starts_at", "ends_at"}) {
    auto it = body.find(key);
    if (it == body.end()) continue;
    auto t = time_field(*it);
    if (!t) return std::string(key) + " must be unix seconds or an ISO 8601 UTC time";
    (std::string_view(key) == "starts_at" ? b.starts_at : b.ends_at) = *t;
  }
  if (auto it = body.find("note"); it != body.end()) {
    if (!it->is_string()) return "note must be a string";
    b.note = it->get<std::string>();
  }
  if (b.user_id <= 0) return "user_id or username is required";
  if (b.resource_kind.empty()) return "resource is required";
  if (b.starts_at <= 0 || b.ends_at <= 0) return "starts_at and ends_at are required";
  if (b.ends_at <= b.starts_at) return "ends_at must be after starts_at";
  return {};
}

std::optional<response> require_admin(const request_context& ctx) {
  if (is_admin(ctx)) return std::nullopt;
  return json_error(http::status::forbidden, "only an admin may do this");
}

asio::awaitable<response> list_bookings(services& s, request_context& ctx) {
  store::booking_filter f;
  if (!is_admin(ctx)) {
    f.user_id = ctx.identity->user_id;
  } else if (auto u = ctx.query_value("user_id")) {
    f.user_id = parse_id(*u);
    if (!f.user_id)
      co_return json_error(http::status::bad_request, "user_id must be a positive integer");
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& b : s.bookings.list(f)) list.push_back(booking_json(s, b));
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"bookings", list}});
}

asio::awaitable<response> add_booking(services& s, request_context& ctx) {
  if (auto denied = require_admin(ctx)) co_return std::move(*denied);
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  store::booking b;
  if (auto err = read_booking(s, std::get<nlohmann::json>(body), b); !err.empty())
    co_return json_error(http::status::bad_request, err);
  b.created_by = ctx.identity->user_id;
  b.created_at = core::unix_micros() / 1000000;
  try {
    b = s.bookings.add(b);
  } catch (const store::not_found& e) {
    co_return json_error(http::status::bad_request, e.what());
  }
  access_changed(s);
  spdlog::info("{} booked {}:{} for user {} from {} to {}", ctx.identity->name, b.resource_kind,
               b.resource_id, b.user_id, iso_time(b.starts_at), iso_time(b.ends_at));
  co_return httpd::json_response(http::status::created,
                                 {{"success", true}, {"booking", booking_json(s, b)}});
}

asio::awaitable<response> change_booking(services& s, request_context& ctx) {
  if (auto denied = require_admin(ctx)) co_return std::move(*denied);
  auto id = parse_id(ctx.param("id"));
  if (!id) co_return json_error(http::status::bad_request, "booking id must be a positive integer");
  auto existing = s.bookings.get(*id);
  if (!existing)
    co_return json_error(http::status::not_found,
                         "booking " + std::to_string(*id) + " does not exist");
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  store::booking b = *existing;
  if (auto err = read_booking(s, std::get<nlohmann::json>(body), b); !err.empty())
    co_return json_error(http::status::bad_request, err);
  try {
    b = s.bookings.update(b);
  } catch (const store::not_found& e) {
    co_return json_error(http::status::bad_request, e.what());
  }
  access_changed(s);
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true}, {"booking", booking_json(s, b)}});
}

asio::awaitable<response> delete_booking(services& s, request_context& ctx) {
  if (auto denied = require_admin(ctx)) co_return std::move(*denied);
  auto id = parse_id(ctx.param("id"));
  if (!id) co_return json_error(http::status::bad_request, "booking id must be a positive integer");
  auto existing = s.bookings.get(*id);
  if (!existing || !s.bookings.remove(*id))
    co_return json_error(http::status::not_found,
                         "booking " + std::to_string(*id) + " does not exist");
  access_changed(s);
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"id", *id}});
}

asio::awaitable<response> list_audit(services& s, request_context& ctx) {
  if (auto denied = require_admin(ctx)) co_return std::move(*denied);
  store::audit_filter f;
  if (auto v = ctx.query_value("user_id")) f.user_id = parse_id(*v);
  if (auto v = ctx.query_value("protocol")) f.protocol = std::string(*v);
  if (auto v = ctx.query_value("camera_id")) {
    f.resource_kind = "camera";
    f.resource_id = parse_id(*v);
  }
  if (auto v = ctx.query_value("since")) f.since = parse_id(*v);
  if (auto v = ctx.query_value("until")) f.until = parse_id(*v);
  if (auto v = ctx.query_value("limit")) f.limit = static_cast<int>(parse_id(*v).value_or(100));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : s.audit.list(f)) {
    list.push_back(
        {{"id", e.id},
         {"user_id", e.user_id ? nlohmann::json(*e.user_id) : nlohmann::json(nullptr)},
         {"user_name", e.user_name},
         {"resource", e.resource_kind + ":" + std::to_string(e.resource_id)},
         {"protocol", e.protocol},
         {"remote", e.remote},
         {"started_at", e.started_at},
         {"ended_at", e.ended_at ? nlohmann::json(*e.ended_at) : nlohmann::json(nullptr)},
         {"end_reason", e.end_reason ? nlohmann::json(*e.end_reason) : nlohmann::json(nullptr)}});
  }
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"entries", list}});
}

}  // namespace

void register_booking_routes(httpd::router& r, services& s) {
  r.add(http::verb::get, "/api/bookings",
        [&s](request_context& ctx) { return list_bookings(s, ctx); });
  r.add(http::verb::post, "/api/bookings",
        [&s](request_context& ctx) { return add_booking(s, ctx); });
  r.add(http::verb::patch, "/api/bookings/{id}",
        [&s](request_context& ctx) { return change_booking(s, ctx); });
  r.add(http::verb::delete_, "/api/bookings/{id}",
        [&s](request_context& ctx) { return delete_booking(s, ctx); });
  r.add(http::verb::get, "/api/audit", [&s](request_context& ctx) { return list_audit(s, ctx); });
}

}  // namespace camgate::api
