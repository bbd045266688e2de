// Recordings (issue 14): GET /api/recordings, GET /api/recordings/{id}, its media (HTTP
// Range, for players), its download (MP4) and DELETE (admins). Every play and download
// is one audit row; a user sees only what was recorded during their own bookings.
#include <spdlog/spdlog.h>

#include <ctime>

#include "api/recording_access.hpp"
#include "api/recording_json.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "http/byte_range.hpp"
#include "http/file_download.hpp"
#include "store/recording_repository.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

std::optional<response> no_table(services& s) {
  if (s.recording_rows) return std::nullopt;
  return json_error(http::status::not_found, "recordings are not kept by this gateway");
}

// ?resource=camera:3&from=&to=&booking_id=&state=&user_id= -> a filter, or why not.
std::variant<store::recording_filter, std::string> read_filter(const request_context& ctx) {
  store::recording_filter f;
  if (auto v = ctx.query_value("resource")) {
    auto r = parse_resource(*v);
    if (!r) return std::string("resource must be \"camera:<id>\" or \"robot:<id>\"");
    f.resource_kind = r->first;
    f.resource_id = r->second;
  }
  for (auto [name, out] :
       {std::pair{"from", &f.from}, std::pair{"to", &f.to}, std::pair{"booking_id", &f.booking_id},
        std::pair{"user_id", &f.user_id}}) {
    auto v = ctx.query_value(name);
    if (!v) continue;
    auto n = parse_time_or_id(*v);
    if (!n) return std::string(name) + " must be a positive integer (times: unix seconds)";
    *out = *n;
  }
  if (auto v = ctx.query_value("state")) {
    if (*v != "recording" && *v != "complete" && *v != "damaged" && *v != "offloaded")
      return std::string("state must be recording, complete, damaged or offloaded");
    f.state = std::string(*v);
  }
  return f;
}

asio::awaitable<response> list_recordings(services& s, request_context& ctx) {
  if (auto r = no_table(s)) co_return std::move(*r);
  auto filter = read_filter(ctx);
  if (auto* e = std::get_if<std::string>(&filter))
    co_return json_error(http::status::bad_request, *e);
  auto f = std::get<store::recording_filter>(filter);
  recording_viewer viewer(s, *ctx.identity, core::unix_seconds());
  // A user's own: by their bookings, not by who owns the row (a continuous recording
  // of their session is theirs to see too); user_id narrows only an admin's list.
  if (!viewer.admin()) f.user_id.reset();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& row : s.recording_rows->list(f)) {
    const auto v = viewer.view(row);
    if (v.visible) list.push_back(recording_json(row, v));
  }
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"recordings", list}});
}

// A recording and the part of it the caller may see.
struct seen_recording {
  store::recording_row row;
  recording_view view;
};

// The recording {id} names, if the caller may see it (all of it: `whole`).
std::variant<seen_recording, response> visible_recording(services& s, const request_context& ctx,
                                                         bool whole) {
  auto id = parse_id(ctx.param("id"));
  if (!id) return json_error(http::status::bad_request, "recording id must be a positive integer");
  auto row = s.recording_rows->get(*id);
  if (!row) return json_error(http::status::not_found, "no recording " + std::to_string(*id));
  recording_viewer viewer(s, *ctx.identity, core::unix_seconds());
  if (auto why = viewer.refusal(*row, whole); !why.empty())
    return json_error(http::status::forbidden, why);
  return seen_recording{*row, viewer.view(*row)};
}

asio::awaitable<response> get_recording(services& s, request_context& ctx) {
  if (auto r = no_table(s)) co_return std::move(*r);
  auto got = visible_recording(s, ctx, false);
  if (auto* r = std::get_if<response>(&got)) co_return std::move(*r);
  const auto& seen = std::get<seen_recording>(got);
  co_return httpd::json_response(
      http::status::ok, {{"success", true}, {"recording", recording_json(seen.row, seen.view)}});
}

// One audit row per play or download: a player's first request (from byte 0), not each
// of its range requests. Written beside the answer, not before it: two SQLite writes
// held the first bytes back by ~22 ms (bench/run --only recording).
void audit_read(services& s, const request_context& ctx, const store::recording_row& row,
                std::string_view protocol) {
  asio::post(recording_executor(s),
             [&s, who = *ctx.identity, remote = ctx.remote_ip, kind = row.resource_kind,
              id = row.resource_id, protocol = std::string(protocol),
              what = "recording " + std::to_string(row.id)] {
               audit_event(s, who, remote, kind, id, protocol, what);
             });
}

bool from_the_start(std::string_view range) {
  if (range.empty()) return true;
  auto r = httpd::parse_range(range, UINT64_MAX, UINT64_MAX);
  const auto* got = std::get_if<httpd::byte_range>(&r);
  return !got || got->first == 0;
}

// The file of a readable recording: fetched back first when it was offloaded and the
// local copy is gone.
asio::awaitable<std::variant<std::filesystem::path, response>> local_file(
    services& s, const store::recording_row& row) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(row.path, ec)) co_return std::filesystem::path(row.path);
  if (row.state != "offloaded" || !s.fetch_recording)
    co_return json_error(http::status::gone, "the file of recording " + std::to_string(row.id) +
                                                 " is gone (" + row.state + ")");
  co_await asio::post(recording_executor(s), asio::use_awaitable);
  std::string why;
  if (!s.fetch_recording(row, why))
    co_return json_error(
        http::status::bad_gateway,
        "cannot fetch recording " + std::to_string(row.id) + " back from storage: " + why);
  co_return std::filesystem::path(row.path);
}

asio::awaitable<response> read_recording(services& s, request_context& ctx, bool download) {
  if (auto r = no_table(s)) co_return std::move(*r);
  auto got = visible_recording(s, ctx, true);
  if (auto* r = std::get_if<response>(&got)) co_return std::move(*r);
  const auto row = std::get<seen_recording>(got).row;
  if (auto r = stored_elsewhere(s, row, download ? "download" : "play")) co_return std::move(*r);
  auto file = co_await local_file(s, row);
  if (auto* r = std::get_if<response>(&file)) co_return std::move(*r);
  const auto& path = std::get<std::filesystem::path>(file);
  const auto range = ctx.req.count(http::field::range)
                         ? std::string_view(ctx.req[http::field::range])
                         : std::string_view();
  if (from_the_start(range))
    audit_read(s, ctx, row, download ? "recording-download" : "recording-play");
  if (download) co_return httpd::file_download(path, "video/mp4", range, download_name(row));
  auto res = httpd::file_range_response(path, "video/mp4", range);
  res.message.set(http::field::cache_control, "private, no-store");
  co_return res;
}

asio::awaitable<response> delete_recording(services& s, request_context& ctx) {
  if (auto r = no_table(s)) co_return std::move(*r);
  if (ctx.identity->role != auth::role::admin)
    co_return json_error(http::status::forbidden, "only an admin may delete recordings");
  auto id = parse_id(ctx.param("id"));
  if (!id)
    co_return json_error(http::status::bad_request, "recording id must be a positive integer");
  auto row = s.recording_rows->get(*id);
  if (!row) co_return json_error(http::status::not_found, "no recording " + std::to_string(*id));
  if (row->state == "recording")
    co_return json_error(http::status::conflict,
                         "recording " + std::to_string(*id) + " is being written: stop it first");
  // Its file is on the node that wrote it: deleting the row here would orphan it there.
  if (auto r = stored_elsewhere(s, *row, "delete")) co_return std::move(*r);
  std::error_code ec;
  std::filesystem::remove(row->path, ec);
  if (ec)
    co_return json_error(
        http::status::internal_server_error,
        "cannot remove the file of recording " + std::to_string(*id) + ": " + ec.message());
  s.recording_rows->remove(*id);
  audit_event(s, *ctx.identity, ctx.remote_ip, row->resource_kind, row->resource_id,
              "recording-delete",
              "recording " + std::to_string(*id) + " deleted by " + ctx.identity->name);
  co_return httpd::json_response(http::status::ok, {{"success", true}, {"id", *id}});
}

}  // namespace

void register_recording_routes(httpd::router& r, services& s) {
  r.add(http::verb::get, "/api/recordings",
        [&s](request_context& ctx) { return list_recordings(s, ctx); });
  r.add(http::verb::get, "/api/recordings/{id}",
        [&s](request_context& ctx) { return get_recording(s, ctx); });
  r.add(http::verb::get, "/api/recordings/{id}/media",
        [&s](request_context& ctx) { return read_recording(s, ctx, false); });
  r.add(http::verb::get, "/api/recordings/{id}/download",
        [&s](request_context& ctx) { return read_recording(s, ctx, true); });
  r.add(http::verb::delete_, "/api/recordings/{id}",
        [&s](request_context& ctx) { return delete_recording(s, ctx); });
}

}  // namespace camgate::api
