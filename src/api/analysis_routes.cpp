// A camera's or robot's continuous analysis: GET .../analysis (profile, whether it runs,
// the last result), PUT .../analysis (admins: the profile), DELETE .../analysis (admins:
// back to the [analysis.default] profile) and GET .../analysis/results (the stored
// history, inside the caller's bookings).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "analysis/service.hpp"
#include "api/access_gate.hpp"
#include "api/recording_json.hpp"
#include "api/request_body.hpp"
#include "api/resource_path.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "store/analysis_repository.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

std::variant<access::resource, response> target(services& s, const request_context& ctx,
                                                bool robot) {
  if (!s.analysis) return json_error(http::status::not_found, "this gateway does not analyze");
  return path_resource(s, ctx, robot);
}

nlohmann::json status_json(services& s, access::resource what) {
  const auto st = s.analysis->status_of(what);
  nlohmann::json analyzers = nlohmann::json::array();
  for (const auto& name : s.analysis->known_analyzers())
    analyzers.push_back(
        {{"name", name},
         {"kind", analysis::builtin_analyzers().contains(name) ? "built-in" : "external"}});
  nlohmann::json j = {
      {"success", true},
      {"profile", analysis::to_json(st.current)},
      {"profile_source", st.own_profile ? "resource" : "default"},
      {"running", st.running},
      {"why_not", st.running ? nlohmann::json(nullptr) : nlohmann::json(st.why_not)},
      {"passes", st.passes},
      {"skipped", st.skipped},
      {"last", st.last},
      {"analyzers", analyzers}};
  j[what.kind == access::resource_kind::camera ? "camera_id" : "robot_id"] = what.id;
  return j;
}

asio::awaitable<response> get_analysis(services& s, request_context& ctx, bool robot) {
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  if (auto denied = deny_unless_allowed(s, ctx, what)) co_return std::move(*denied);
  co_return httpd::json_response(http::status::ok, status_json(s, what));
}

void audit_profile(services& s, const request_context& ctx, access::resource what,
                   const std::string& change) {
  audit_event(s, *ctx.identity, ctx.remote_ip, std::string(access::to_string(what.kind)), what.id,
              "analysis-profile", change);
}

// The status once the service has applied a new profile (a tick, off the I/O threads).
asio::awaitable<response> applied(services& s, access::resource what) {
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
  s.analysis->tick_now();
  co_await asio::post(home, asio::use_awaitable);
  co_return httpd::json_response(http::status::ok, status_json(s, what));
}

asio::awaitable<response> put_analysis(services& s, request_context& ctx, bool robot) {
  if (ctx.identity->role != auth::role::admin)
    co_return json_error(http::status::forbidden, "only an admin may set an analysis profile");
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  auto parsed =
      analysis::profile_from_json(std::get<nlohmann::json>(body), s.analysis->profile_of(what),
                                  s.analysis->known_analyzers(), s.analysis->max_fps());
  if (auto* e = std::get_if<std::string>(&parsed))
    co_return json_error(http::status::bad_request, *e);
  const auto& p = std::get<analysis::profile>(parsed);
  s.analysis->set_profile(what, p, ctx.identity->user_id);
  const auto text = analysis::to_json(p).dump();
  spdlog::info("{} set the analysis profile of {} {}: {}", ctx.identity->name,
               access::to_string(what.kind), what.id, text);
  audit_profile(s, ctx, what, text);
  co_return co_await applied(s, what);
}

asio::awaitable<response> delete_analysis(services& s, request_context& ctx, bool robot) {
  if (ctx.identity->role != auth::role::admin)
    co_return json_error(http::status::forbidden, "only an admin may set an analysis profile");
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  s.analysis->reset_profile(what);
  audit_profile(s, ctx, what, "default");
  co_return co_await applied(s, what);
}

// ?type=analysis|alert|camera-state &from= &to= (unix seconds or ISO 8601) &limit= (1-1000)
asio::awaitable<response> results(services& s, request_context& ctx, bool robot) {
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  if (!s.analysis_rows) co_return json_error(http::status::not_found, "no stored results");
  store::analysis_event_filter f;
  f.resource_kind = std::string(access::to_string(what.kind));
  f.resource_id = what.id;
  if (auto type = ctx.query_value("type")) {
    if (*type != "analysis" && *type != "alert" && *type != "camera-state")
      co_return json_error(http::status::bad_request,
                           "type must be analysis, alert or camera-state");
    f.type = std::string(*type);
  }
  for (const auto& [name, out] : {std::pair{"from", &f.from_us}, std::pair{"to", &f.to_us}}) {
    if (auto v = ctx.query_value(name)) {
      auto seconds = parse_time_or_id(*v);
      if (!seconds)
        co_return json_error(http::status::bad_request,
                             std::string(name) +
                                 " must be unix seconds or a UTC time like "
                                 "2026-12-07T10:00:00Z");
      *out = *seconds * 1'000'000;
    }
  }
  if (auto l = ctx.query_value("limit")) {
    auto n = parse_id(*l);
    if (!n || *n > 1000) co_return json_error(http::status::bad_request, "limit must be 1-1000");
    f.limit = *n;
  }
  // A user sees what happened inside their own bookings of it, nothing else.
  std::vector<std::pair<std::int64_t, std::int64_t>> windows;  // [from, to) in µs
  if (ctx.identity->role == auth::role::admin) {
    windows.emplace_back(f.from_us.value_or(0), f.to_us.value_or(INT64_MAX));
  } else {
    store::booking_filter bf;
    bf.user_id = ctx.identity->user_id;
    bf.resource_kind = f.resource_kind;
    bf.resource_id = what.id;
    for (const auto& b : s.bookings.list(bf)) {
      const auto from = std::max(b.starts_at * 1'000'000, f.from_us.value_or(0));
      const auto to = std::min(b.ends_at * 1'000'000, f.to_us.value_or(INT64_MAX));
      if (from < to) windows.emplace_back(from, to);
    }
  }
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
  std::vector<store::analysis_event_row> rows;
  for (const auto& [from, to] : windows) {
    auto wf = f;
    wf.from_us = from;
    wf.to_us = to;
    auto part = s.analysis_rows->events(wf);
    rows.insert(rows.end(), part.begin(), part.end());
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.at_us != b.at_us ? a.at_us < b.at_us : a.id < b.id;
  });
  if (rows.size() > static_cast<std::size_t>(f.limit))
    rows.erase(rows.begin(), rows.end() - f.limit);
  co_await asio::post(home, asio::use_awaitable);
  nlohmann::json events = nlohmann::json::array();
  for (const auto& r : rows) {
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_discarded()) events.push_back(std::move(body));
  }
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true}, {"count", events.size()}, {"events", events}});
}

}  // namespace

void register_analysis_routes(httpd::router& r, services& s) {
  add_resource_route(r, s, http::verb::get, "/analysis", get_analysis);
  add_resource_route(r, s, http::verb::put, "/analysis", put_analysis);
  add_resource_route(r, s, http::verb::delete_, "/analysis", delete_analysis);
  add_resource_route(r, s, http::verb::get, "/analysis/results", results);
}

}  // namespace camgate::api
