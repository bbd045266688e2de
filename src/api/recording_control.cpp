// A camera's or robot's recording: GET .../recording (state and policy: the watch page's
// REC indicator), PUT .../recording {"policy": ...} (admins), POST .../recordings (start
// on demand), DELETE .../recordings/current (stop it) and GET .../clip (a window cut
// across recordings).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>

#include "api/access_gate.hpp"
#include "api/recording_access.hpp"
#include "api/recording_json.hpp"
#include "api/request_body.hpp"
#include "api/resource_path.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "http/file_download.hpp"
#include "recording/clip.hpp"
#include "recording/service.hpp"
#include "store/recording_repository.hpp"

namespace camgate::api {
namespace {

using httpd::json_error;
using httpd::request_context;
using httpd::response;

// The camera or robot the path names, in a gateway that records.
std::variant<access::resource, response> target(services& s, const request_context& ctx,
                                                bool robot) {
  if (!s.recordings)
    return json_error(http::status::conflict,
                      "this gateway does not record (a build without GStreamer)");
  return path_resource(s, ctx, robot);
}

nlohmann::json active_json(const std::optional<recording::active_recording>& a) {
  if (!a) return nullptr;
  auto opt = [](const std::optional<std::int64_t>& x) {
    return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
  };
  return {{"id", a->id},
          {"reason", a->cause.reason},
          {"booking_id", opt(a->cause.booking_id)},
          {"user_id", opt(a->cause.user_id)},
          {"started_at", a->started_at}};
}

asio::awaitable<response> recording_state(services& s, request_context& ctx, bool robot) {
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  if (auto denied = deny_unless_allowed(s, ctx, what)) co_return std::move(*denied);
  const auto st = s.recordings->plan().status(what);
  co_return httpd::json_response(
      http::status::ok,
      {{"success", true},
       {"resource", std::string(access::to_string(what.kind)) + ":" + std::to_string(what.id)},
       {"recording", st.current.has_value()},
       {"policy", st.policy},
       {"policy_source", st.policy_is_own ? "resource" : "default"},
       {"current", active_json(st.current)},
       {"last_error", st.last_error ? nlohmann::json(*st.last_error) : nlohmann::json(nullptr)},
       // In a cluster, the node that records it when it is not this one.
       {"node", st.node.empty() ? nlohmann::json(nullptr) : nlohmann::json(st.node)}});
}

// {"policy": "off" | "bookings" | "continuous" | null (back to the [recording] default)}
asio::awaitable<response> set_policy(services& s, request_context& ctx, bool robot) {
  if (ctx.identity->role != auth::role::admin)
    co_return json_error(http::status::forbidden, "only an admin may set a recording policy");
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  auto body = json_object_body(ctx);
  if (auto* r = std::get_if<response>(&body)) co_return std::move(*r);
  const auto& obj = std::get<nlohmann::json>(body);
  auto it = obj.find("policy");
  std::optional<std::string> policy;
  if (it == obj.end() || !(it->is_null() || it->is_string()))
    co_return json_error(http::status::bad_request,
                         "policy must be \"off\", \"bookings\", \"continuous\" or null");
  if (it->is_string()) policy = it->get<std::string>();
  if (policy && *policy != "off" && *policy != "bookings" && *policy != "continuous")
    co_return json_error(http::status::bad_request,
                         "policy must be \"off\", \"bookings\", \"continuous\" or null");
  s.recording_rows->set_policy(std::string(access::to_string(what.kind)), what.id, policy);
  s.recordings->poke();
  spdlog::info("{} set the recording policy of {} {} to {}", ctx.identity->name,
               access::to_string(what.kind), what.id, policy.value_or("the default"));
  const auto st = s.recordings->plan().status(what);
  co_return httpd::json_response(http::status::ok,
                                 {{"success", true},
                                  {"policy", st.policy},
                                  {"policy_source", st.policy_is_own ? "resource" : "default"}});
}

asio::awaitable<response> start_recording(services& s, request_context& ctx, bool robot) {
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  // A user may record their own session, inside their booking.
  if (auto denied = deny_unless_allowed(s, ctx, what)) co_return std::move(*denied);
  std::optional<std::int64_t> user;
  if (ctx.identity->role != auth::role::admin) user = ctx.identity->user_id;
  // Opening the file and the encoder takes milliseconds: off the I/O threads.
  co_await asio::post(recording_executor(s), asio::use_awaitable);
  auto r = s.recordings->plan().start_demand(what, user, core::unix_seconds());
  if (auto* e = std::get_if<std::string>(&r)) {
    const bool busy = e->find("already recording") != std::string::npos;
    // A cluster: another node pulls it, and only that node records it.
    const bool elsewhere = e->find("is recorded by node") != std::string::npos;
    co_return json_error(elsewhere ? http::status::misdirected_request
                         : busy    ? http::status::conflict
                                   : http::status::service_unavailable,
                         *e);
  }
  const auto& row = std::get<store::recording_row>(r);
  spdlog::info("{} started recording {} of {} {}", ctx.identity->name, row.id,
               access::to_string(what.kind), what.id);
  recording_viewer viewer(s, *ctx.identity, core::unix_seconds());
  auto res = httpd::json_response(
      http::status::created,
      {{"success", true}, {"recording", recording_json(row, viewer.view(row))}});
  res.message.set(http::field::location, "/api/recordings/" + std::to_string(row.id));
  co_return res;
}

asio::awaitable<response> stop_recording(services& s, request_context& ctx, bool robot) {
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  const auto cur = s.recordings->files().current(what);
  if (!cur)
    co_return json_error(http::status::not_found, std::string(access::to_string(what.kind)) + " " +
                                                      std::to_string(what.id) +
                                                      " is not recording");
  // An admin, or the user who started it.
  if (ctx.identity->role != auth::role::admin &&
      !(cur->cause.reason == "demand" && cur->cause.user_id == ctx.identity->user_id))
    co_return json_error(http::status::forbidden,
                         "only an admin or the user who started it may stop this recording");
  co_await asio::post(recording_executor(s), asio::use_awaitable);
  auto r = s.recordings->plan().stop_demand(what);
  if (auto* e = std::get_if<std::string>(&r)) co_return json_error(http::status::conflict, *e);
  if (std::holds_alternative<std::monostate>(r))
    co_return json_error(http::status::not_found, "it is not recording any more");
  const auto& row = std::get<store::recording_row>(r);
  spdlog::info("{} stopped recording {}", ctx.identity->name, row.id);
  recording_viewer viewer(s, *ctx.identity, core::unix_seconds());
  co_return httpd::json_response(
      http::status::ok, {{"success", true}, {"recording", recording_json(row, viewer.view(row))}});
}

constexpr std::int64_t kMaxClip = 3600;  // seconds: longer, download the recordings

// GET .../clip?start=<unix s or ISO>&duration=<s>: the pictures of that window, cut from
// the recordings it spans into one MP4 (H.264 copied, milliseconds a minute). A user
// gets a window only inside their own bookings of the camera or robot.
asio::awaitable<response> clip(services& s, request_context& ctx, bool robot) {
  auto t = target(s, ctx, robot);
  if (auto* r = std::get_if<response>(&t)) co_return std::move(*r);
  const auto what = std::get<access::resource>(t);
  const std::string kind(access::to_string(what.kind));
  const auto start_text = ctx.query_value("start");
  const auto duration_text = ctx.query_value("duration");
  const auto start = start_text ? parse_time_or_id(*start_text) : std::nullopt;
  const auto duration = duration_text ? parse_id(*duration_text) : std::nullopt;
  if (!start || !duration || *duration > kMaxClip)
    co_return json_error(http::status::bad_request,
                         "start (unix seconds or ISO 8601 UTC) and duration (1 to " +
                             std::to_string(kMaxClip) + " seconds) are required");
  const auto end = *start + *duration;
  recording_viewer viewer(s, *ctx.identity, core::unix_seconds());
  if (!viewer.covers(kind, what.id, *start, end))
    co_return json_error(http::status::forbidden,
                         "that window is not inside one of your bookings of " + kind + " " +
                             std::to_string(what.id));
  store::recording_filter f;
  f.resource_kind = kind;
  f.resource_id = what.id;
  f.from = *start;
  f.to = end;
  std::vector<recording::clip_piece> pieces;
  co_await asio::post(recording_executor(s), asio::use_awaitable);
  std::string other_node;  // a cluster: recordings whose files another node holds
  for (const auto& row : s.recording_rows->list(f)) {
    if (row.state == "damaged") continue;
    if (stored_elsewhere(s, row, "clip")) {
      other_node = row.node;
      continue;
    }
    std::string why;
    if (!std::filesystem::exists(row.path) &&
        !(row.state == "offloaded" && s.fetch_recording && s.fetch_recording(row, why))) {
      spdlog::warn("clip: recording {} is not here ({}): left out", row.id, why);
      continue;
    }
    pieces.push_back({row.path, row.started_at * 1000000});
  }
  if (pieces.empty() && !other_node.empty())
    co_return httpd::json_response(
        http::status::misdirected_request,
        {{"success", false},
         {"error", "the recordings of that window are stored on node " + other_node +
                       ", not on this one: cut the clip through node " + other_node},
         {"node", other_node}});
  const auto dir = s.recordings->dir() / ".clips";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  static std::atomic<std::uint64_t> serial{0};
  const auto out =
      dir / ("clip-" + std::to_string(getpid()) + "-" + std::to_string(++serial) + ".mp4");
  const auto cut = recording::cut_clip(pieces, *start * 1000000, end * 1000000, out.string());
  if (!cut.error.empty()) {
    std::filesystem::remove(out, ec);
    const bool none = pieces.empty() || cut.error.starts_with("no recording");
    co_return json_error(none ? http::status::not_found : http::status::internal_server_error,
                         cut.error);
  }
  audit_event(s, *ctx.identity, ctx.remote_ip, kind, what.id, "recording-clip",
              "clip " + std::to_string(*start) + "+" + std::to_string(*duration) + "s");
  auto res =
      httpd::file_download(out, "video/mp4", {},
                           kind + "-" + std::to_string(what.id) + "-" + std::to_string(*start) +
                               "-" + std::to_string(*duration) + "s.mp4");
  std::filesystem::remove(out, ec);  // already open for the response
  co_return res;
}

}  // namespace

void register_recording_control(httpd::router& r, services& s) {
  add_resource_route(r, s, http::verb::get, "/recording", recording_state);
  add_resource_route(r, s, http::verb::put, "/recording", set_policy);
  add_resource_route(r, s, http::verb::post, "/recordings", start_recording);
  add_resource_route(r, s, http::verb::delete_, "/recordings/current", stop_recording);
  add_resource_route(r, s, http::verb::get, "/clip", clip);
}

}  // namespace camgate::api
