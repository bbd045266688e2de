#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace camgate::core {

// Everything an operator can set in the TOML file (docs/configuration.md lists it).
// Defaults are what `camgate serve` runs with when no file is given.
struct config {
  struct server_section {
    std::string listen = "0.0.0.0:8080";
    int threads = 0;       // 0: one per core
    std::string web_root;  // empty: the installed or source-tree web/ folder
  } server;
  struct auth_section {
    std::string jwt_secret;  // empty: generated once into <data>/jwt_secret
    std::int64_t token_ttl_s = 3600;
  } auth;
  struct cameras_section {
    std::int64_t connect_timeout_ms = 3000;
    std::int64_t stall_timeout_ms = 3000;
    std::int64_t stale_after_ms = 1000;
    double poll_fps = 5.0;
    std::int64_t max_frame_bytes = 8 * 1024 * 1024;
    std::int64_t backoff_initial_ms = 100;
    std::int64_t backoff_max_ms = 2000;
    std::int64_t probe_timeout_ms = 3000;
    std::int64_t snapshot_max_age_ms = 1000;
    std::int64_t snapshot_wait_ms = 2000;
    std::int64_t viewer_write_timeout_s = 10;
  } cameras;
  struct access_section {
    std::int64_t warn_before_s =
        60;  // live streams get "session-expiring" this long before the end
  } access;
  struct log_section {
    std::string level = "info";
  } log;
};

// Reads a TOML file over the defaults; throws std::runtime_error naming the file,
// line and key on a syntax error or a value of the wrong type or range.
config load_config(const std::filesystem::path& file);

// Parses "HOST:PORT" ("[::1]:80" for IPv6); nullopt when malformed.
struct host_port {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<host_port> parse_host_port(std::string_view text);

}  // namespace camgate::core
