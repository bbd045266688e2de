#include "robot/robot_config.hpp"

#include <fstream>
#include <stdexcept>

#include <toml++/toml.h>

namespace camgate::robot {
namespace {

[[noreturn]] void bad(std::string_view section, std::string_view key, std::string_view want) {
  throw std::runtime_error(std::string(section) + "." + std::string(key) + " must be " +
                           std::string(want));
}

void get(const toml::table& t, std::string_view sec, std::string_view key, std::string& out) {
  auto n = t[sec][key];
  if (!n) return;
  auto v = n.value<std::string>();
  if (!v) bad(sec, key, "a string");
  out = *v;
}
void get(const toml::table& t, std::string_view sec, std::string_view key, bool& out) {
  auto n = t[sec][key];
  if (!n) return;
  auto v = n.value<bool>();
  if (!v) bad(sec, key, "true or false");
  out = *v;
}
template <class I>
void get_int(const toml::table& t, std::string_view sec, std::string_view key, I& out,
             std::int64_t lo, std::int64_t hi) {
  auto n = t[sec][key];
  if (!n) return;
  auto v = n.value<std::int64_t>();
  if (!v || *v < lo || *v > hi)
    bad(sec, key, "an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  out = static_cast<I>(*v);
}
void get(const toml::table& t, std::string_view sec, std::string_view key,
         std::vector<std::string>& out) {
  auto n = t[sec][key];
  if (!n) return;
  const auto* arr = n.as_array();
  if (!arr) bad(sec, key, "an array of strings");
  out.clear();
  for (const auto& item : *arr) {
    auto v = item.value<std::string>();
    if (!v) bad(sec, key, "an array of strings");
    out.push_back(*v);
  }
}

}  // namespace

void load_robot_config(const std::filesystem::path& file, robot_config& cfg) {
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(file.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
  }
  get(t, "gateway", "url", cfg.gateway_url);
  get(t, "gateway", "robot", cfg.robot);
  get(t, "gateway", "credential", cfg.credential);
  get(t, "gateway", "credential_file", cfg.credential_file);
  get(t, "gateway", "insecure_tls", cfg.insecure_tls);
  get(t, "gateway", "ca_file", cfg.ca_file);
  get_int(t, "gateway", "reconnect_initial_ms", cfg.reconnect_initial_ms, 10, 600000);
  get_int(t, "gateway", "reconnect_max_ms", cfg.reconnect_max_ms, 10, 3600000);
  get(t, "video", "source", cfg.media.source);
  get_int(t, "video", "width", cfg.media.width, 16, 7680);
  get_int(t, "video", "height", cfg.media.height, 16, 4320);
  get_int(t, "video", "fps", cfg.media.fps, 1, 240);
  get_int(t, "video", "bitrate_kbps", cfg.media.bitrate_kbps, 50, 100000);
  get(t, "video", "codec", cfg.preferred_codec);
  get(t, "video", "h264_encoder", cfg.media.h264_encoder);
  get(t, "webrtc", "ice_local_addresses", cfg.media.ice_local_addresses);
  std::vector<std::string> stun;
  get(t, "webrtc", "stun", stun);
  for (auto& s : stun) cfg.media.ice_servers.push_back(media::ice_server{{s}, {}, {}});
  get(t, "log", "level", cfg.log_level);
  get(t, "stats", "file", cfg.stats_file);
  get_int(t, "stats", "interval_ms", cfg.stats_interval_ms, 100, 3'600'000);
}

std::string read_credential_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read the credential file " + file.string());
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  if (line.empty()) throw std::runtime_error("the credential file " + file.string() + " is empty");
  return line;
}

void apply_codec_preference(robot_config& cfg) {
  auto c = media::parse_video_codec(cfg.preferred_codec);
  if (!c) throw std::runtime_error("codec must be h264 or vp8, not '" + cfg.preferred_codec + "'");
  cfg.media.codecs = {
      *c, *c == media::video_codec::h264 ? media::video_codec::vp8 : media::video_codec::h264};
}

}  // namespace camgate::robot
