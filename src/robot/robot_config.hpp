#pragma once
#include <filesystem>
#include <string>

#include "media/media_options.hpp"
#include "robot/signaling_client.hpp"

namespace camgate::robot {

// Everything camgate-robot reads from its TOML file (docs/robot.md); flags override it.
struct robot_config {
  std::string gateway_url;  // http(s):// or ws(s):// of the gateway
  std::string robot;
  std::string credential;
  std::string credential_file;  // read when credential is empty (first line, trimmed)
  bool insecure_tls = false;
  std::string ca_file;
  std::int64_t reconnect_initial_ms = 500;
  std::int64_t reconnect_max_ms = 10000;
  media::media_options media;
  std::string preferred_codec = "h264";
  std::string log_level = "info";
  std::string stats_file;  // empty: none (stats_file.hpp)
  std::int64_t stats_interval_ms = 1000;
};

// Reads a TOML file over `cfg`; throws std::runtime_error naming the key on a bad value.
void load_robot_config(const std::filesystem::path& file, robot_config& cfg);

// Reads the first line of a credential file, trimmed; throws when unreadable or empty.
std::string read_credential_file(const std::filesystem::path& file);

// Orders media.codecs so that `preferred` comes first ("h264" or "vp8"); throws otherwise.
void apply_codec_preference(robot_config& cfg);

}  // namespace camgate::robot
