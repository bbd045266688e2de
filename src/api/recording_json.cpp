#include "api/recording_json.hpp"

#include <ctime>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "api/request_body.hpp"
#include "core/clock.hpp"

namespace camgate::api {

nlohmann::json recording_json(const store::recording_row& row, const recording_view& v) {
  const auto resource = row.resource_kind + ":" + std::to_string(row.resource_id);
  const auto base = "/api/recordings/" + std::to_string(row.id);
  auto optional = [](const std::optional<std::int64_t>& x) {
    return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
  };
  const auto end = row.ended_at.value_or(v.to);
  return {{"id", row.id},
          {"resource", resource},
          {"resource_kind", row.resource_kind},
          {"resource_id", row.resource_id},
          {"booking_id", optional(row.booking_id)},
          {"user_id", optional(row.user_id)},
          {"reason", row.reason},
          {"state", row.state},
          {"started_at", row.started_at},
          {"ended_at", optional(row.ended_at)},
          {"duration_s", std::max<std::int64_t>(0, end - row.started_at)},
          {"bytes", row.bytes},
          {"frames", row.frames},
          {"file", std::filesystem::path(row.path).filename().string()},
          {"offloaded", row.remote_url.has_value()},
          // The cluster node whose disk holds the file (null on a single gateway).
          {"node", row.node.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.node)},
          // The caller's part: all of it, or (a user) the time inside their bookings.
          {"playable", v.whole},
          {"visible_from", v.from},
          {"visible_to", v.to},
          {"visible_parts", v.parts},
          {"media_url", base + "/media"},
          {"download_url", base + "/download"}};
}

std::optional<httpd::response> stored_elsewhere(services& s, const store::recording_row& row,
                                                std::string_view doing) {
  if (row.node.empty() || !s.recording_rows || row.node == s.recording_rows->node())
    return std::nullopt;
  return httpd::json_response(
      http::status::misdirected_request,
      {{"success", false},
       {"error", "recording " + std::to_string(row.id) + " is stored on node " + row.node +
                     ", not on this one (" + s.recording_rows->node() + "): " + std::string(doing) +
                     " it through node " + row.node},
       {"node", row.node}});
}

void audit_event(services& s, const auth::identity& who, const std::string& remote,
                 const std::string& kind, std::int64_t id, std::string_view protocol,
                 const std::string& what) {
  try {
    const auto now = core::unix_seconds();
    const auto a = s.audit.begin(who.user_id, who.name, kind, id, protocol, remote, now);
    s.audit.end(a, now, what);
  } catch (const std::exception& e) {
    spdlog::error("audit: cannot record {} ({}): {}", protocol, what, e.what());
  }
}

std::string download_name(const store::recording_row& row) {
  const std::time_t t = row.started_at;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return row.resource_kind + "-" + std::to_string(row.resource_id) + "-" + stamp + ".mp4";
}

std::optional<std::pair<std::string, std::int64_t>> parse_resource(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto kind = text.substr(0, colon);
  if (kind != "camera" && kind != "robot") return std::nullopt;
  const auto digits = text.substr(colon + 1);
  auto id = parse_id(digits);
  if (!id || std::to_string(*id) != digits) return std::nullopt;
  return std::pair{std::string(kind), *id};
}

std::optional<std::int64_t> parse_time_or_id(std::string_view text) {
  if (auto n = parse_id(text)) return n;
  const std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || !(*end == '\0' || (end[0] == 'Z' && end[1] == '\0'))) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace camgate::api
