#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "api/recording_access.hpp"
#include "api/services.hpp"
#include "http/request_context.hpp"
#include "store/recording_repository.hpp"

namespace camgate::api {

// Where recordings' file work runs (services.recording_work, else the blocking pool).
inline asio::thread_pool::executor_type recording_executor(services& s) {
  return (s.recording_work ? *s.recording_work : s.blocking).get_executor();
}

// A recording as the API shows it: never its machine path, only its file name; the
// part of it the caller may see; where to play and download it.
nlohmann::json recording_json(const store::recording_row& row, const recording_view& v);

// One audit row for something done at once (a play, a download, a clip, a deletion):
// begun and ended now, with `what` as its end reason. A store failure is logged: the
// answer still goes out.
void audit_event(services& s, const auth::identity& who, const std::string& remote,
                 const std::string& kind, std::int64_t id, std::string_view protocol,
                 const std::string& what);

// In a cluster a recording's file is on the disk of the node that wrote it: for a row
// another node wrote, 421 {"success": false, "error": ..., "node": "<node id>"} (the
// file is not proxied between nodes); nullopt when the file is this node's to serve.
std::optional<httpd::response> stored_elsewhere(services& s, const store::recording_row& row,
                                                std::string_view doing);

// "camera-3-20261206T224501Z.mp4": what a download is saved as.
std::string download_name(const store::recording_row& row);

// "camera:3" -> {"camera", 3}; anything else (robot:0, camera:03, camera:3x) -> nullopt.
std::optional<std::pair<std::string, std::int64_t>> parse_resource(std::string_view text);

// A positive integer, or an ISO 8601 UTC time "2026-12-06T10:00:00Z" (as unix seconds).
std::optional<std::int64_t> parse_time_or_id(std::string_view text);

}  // namespace camgate::api
