#include "core/config.hpp"

#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <toml++/toml.h>

#include "core/config_analysis.hpp"
#include "core/ip_network.hpp"

namespace camgate::core {
namespace {

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Reads keys out of the parsed file and remembers which it asked for, so that a key left
// over (a typo, a key of another version) is refused at start instead of ignored.
class reader {
 public:
  explicit reader(const toml::table& t) : table_(t) {}

  template <typename T>
  void read(std::string_view section, std::string_view key, T& out);

  // Throws naming the first unknown table or key (in file order) and the file.
  void refuse_unknown(const std::filesystem::path& file) const;
  // A table whose keys another reader checks (config_analysis.cpp).
  void checked_elsewhere(std::string_view section) {
    known_[std::string(section)];
    elsewhere_.insert(std::string(section));
  }

 private:
  const toml::table& table_;
  std::map<std::string, std::set<std::string>, std::less<>> known_;
  std::set<std::string, std::less<>> elsewhere_;
};

template <typename T>
void reader::read(std::string_view section, std::string_view key, T& out) {
  known_[std::string(section)].insert(std::string(key));
  const auto node = table_[section][key];
  if (!node) return;
  const auto fail = [&](std::string_view what) {
    throw std::runtime_error(std::string(section) + "." + std::string(key) + " must " +
                             std::string(what));
  };
  if constexpr (std::is_same_v<T, bool>) {
    // value_exact: value<bool>() would take `3` for true.
    auto v = node.template value_exact<bool>();
    if (!v) fail("be true or false");
    out = *v;
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    const auto* arr = node.as_array();
    if (!arr) fail("be an array of strings");
    out.clear();
    for (const auto& item : *arr) {
      auto v = item.template value<std::string>();
      if (!v) fail("be an array of strings");
      out.push_back(*v);
    }
  } else if constexpr (std::is_same_v<T, std::string>) {
    auto v = node.template value<std::string>();
    if (!v) fail("be a string");
    out = *v;
  } else if constexpr (std::is_floating_point_v<T>) {
    auto v = node.template value<double>();
    if (!v) fail("be a number");
    out = *v;
  } else {
    auto v = node.template value<std::int64_t>();
    if (!v) fail("be an integer");
    if (*v < 0) fail("not be negative");
    out = static_cast<T>(*v);
  }
}

void reader::refuse_unknown(const std::filesystem::path& file) const {
  std::optional<std::pair<toml::source_position, std::string>> first;
  const auto note = [&](const toml::source_region& where, std::string what) {
    if (!first || where.begin < first->first) first.emplace(where.begin, std::move(what));
  };
  std::set<std::string> sections;
  for (const auto& [name, keys] : known_) sections.insert(name);
  for (const auto& [name, node] : table_) {
    const std::string section(name.str());
    auto known = known_.find(section);
    if (known == known_.end()) {
      note(name.source(), (node.is_table() ? "unknown table [" : "unknown key '") + section +
                              (node.is_table() ? "]" : "'") + " (tables: " + joined(sections) +
                              ")");
      continue;
    }
    if (elsewhere_.contains(section)) continue;
    const auto* keys = node.as_table();
    if (!keys) {
      note(name.source(), "'" + section + "' must be a table, [" + section + "]");
      continue;
    }
    for (const auto& [key, value] : *keys)
      if (!known->second.contains(std::string(key.str())))
        note(key.source(), "unknown key '" + section + "." + std::string(key.str()) + "' (" +
                               section + " has: " + joined(known->second) + ")");
  }
  if (first)
    throw std::runtime_error("config " + file.string() + ":" + std::to_string(first->first.line) +
                             ": " + first->second);
}

}  // namespace

config load_config(const std::filesystem::path& file) {
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error("config " + file.string() + ":" +
                             std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
  }
  config c;
  reader r(t);
  r.read("server", "listen", c.server.listen);
  r.read("server", "threads", c.server.threads);
  r.read("server", "web_root", c.server.web_root);
  r.read("server", "zero_copy", c.server.zero_copy);
  r.read("store", "data_dir", c.store.data_dir);
  r.read("store", "url", c.store.url);
  r.read("cluster", "redis", c.cluster.redis);
  r.read("cluster", "node_id", c.cluster.node_id);
  r.read("cluster", "secret", c.cluster.secret);
  r.read("cluster", "secret_file", c.cluster.secret_file);
  r.read("cluster", "advertise_url", c.cluster.advertise_url);
  r.read("auth", "jwt_secret", c.auth.jwt_secret);
  r.read("auth", "token_ttl_s", c.auth.token_ttl_s);
  r.read("auth", "cookie_secure", c.auth.cookie_secure);
  r.read("auth", "refresh_ttl_s", c.auth.refresh_ttl_s);
  r.read("auth", "refresh_family_ttl_s", c.auth.refresh_family_ttl_s);
  auto& ext = c.external_jwt;
  r.read("external_jwt", "algorithm", ext.algorithm);
  r.read("external_jwt", "secret", ext.secret);
  r.read("external_jwt", "public_key_file", ext.public_key_file);
  r.read("external_jwt", "issuer", ext.issuer);
  r.read("external_jwt", "audience", ext.audience);
  r.read("external_jwt", "user_claim", ext.user_claim);
  r.read("external_jwt", "role_claim", ext.role_claim);
  r.read("external_jwt", "admin_role_value", ext.admin_role_value);
  r.read("external_jwt", "leeway_s", ext.leeway_s);
  r.read("cors", "allowed_origins", c.cors.allowed_origins);
  r.read("cors", "allow_credentials", c.cors.allow_credentials);
  r.read("cors", "max_age_s", c.cors.max_age_s);
  auto& lim = c.limits;
  r.read("limits", "login_per_minute_ip", lim.login_per_minute_ip);
  r.read("limits", "login_per_minute_user", lim.login_per_minute_user);
  r.read("limits", "login_burst", lim.login_burst);
  r.read("limits", "refresh_per_minute_ip", lim.refresh_per_minute_ip);
  r.read("limits", "api_per_second_user", lim.api_per_second_user);
  r.read("limits", "api_burst", lim.api_burst);
  r.read("limits", "streams_per_user", lim.streams_per_user);
  r.read("limits", "login_failure_delay_ms", lim.login_failure_delay_ms);
  auto& cam = c.cameras;
  r.read("cameras", "connect_timeout_ms", cam.connect_timeout_ms);
  r.read("cameras", "stall_timeout_ms", cam.stall_timeout_ms);
  r.read("cameras", "stale_after_ms", cam.stale_after_ms);
  r.read("cameras", "poll_fps", cam.poll_fps);
  r.read("cameras", "max_frame_bytes", cam.max_frame_bytes);
  r.read("cameras", "backoff_initial_ms", cam.backoff_initial_ms);
  r.read("cameras", "backoff_max_ms", cam.backoff_max_ms);
  r.read("cameras", "probe_timeout_ms", cam.probe_timeout_ms);
  r.read("cameras", "snapshot_max_age_ms", cam.snapshot_max_age_ms);
  r.read("cameras", "snapshot_wait_ms", cam.snapshot_wait_ms);
  r.read("cameras", "viewer_write_timeout_s", cam.viewer_write_timeout_s);
  r.read("cameras", "allowed_networks", cam.allowed_networks);
  r.read("access", "warn_before_s", c.access.warn_before_s);
  r.read("webrtc", "stun_urls", c.webrtc.stun_urls);
  r.read("webrtc", "turn_urls", c.webrtc.turn_urls);
  r.read("webrtc", "turn_secret", c.webrtc.turn_secret);
  r.read("webrtc", "turn_ttl_s", c.webrtc.turn_ttl_s);
  r.read("webrtc", "local_addresses", c.webrtc.local_addresses);
  r.read("webrtc", "h264_encoder", c.webrtc.h264_encoder);
  r.read("webrtc", "camera_bitrate_kbps", c.webrtc.camera_bitrate_kbps);
  r.read("webrtc", "encoder_linger_s", c.webrtc.encoder_linger_s);
  r.read("webrtc", "max_sessions", c.webrtc.max_sessions);
  r.read("robots", "media", c.robots.media);
  r.read("robots", "relay_linger_s", c.robots.relay_linger_s);
  r.read("robots", "relay_keep_warm", c.robots.relay_keep_warm);
  r.read("recording", "policy", c.recording.policy);
  r.read("recording", "dir", c.recording.dir);
  r.read("recording", "bitrate_kbps", c.recording.bitrate_kbps);
  r.read("recording", "fragment_ms", c.recording.fragment_ms);
  r.read("recording", "segment_s", c.recording.segment_s);
  r.read("recording", "keep_days", c.recording.keep_days);
  r.read("recording", "max_disk_gb", c.recording.max_disk_gb);
  r.read("recording", "min_free_disk_gb", c.recording.min_free_disk_gb);
  r.read("recording", "on_complete", c.recording.on_complete);
  r.read("recording", "remote_url", c.recording.remote_url);
  r.read("recording", "delete_after_offload", c.recording.delete_after_offload);
  r.read("recording", "fetch_command", c.recording.fetch_command);
  r.read("recording", "offload_timeout_s", c.recording.offload_timeout_s);
  r.read("signaling", "max_message_bytes", c.signaling.max_message_bytes);
  r.read("signaling", "messages_per_second", c.signaling.messages_per_second);
  r.read("signaling", "message_burst", c.signaling.message_burst);
  r.read("signaling", "connections_per_user", c.signaling.connections_per_user);
  r.read("signaling", "max_connections", c.signaling.max_connections);
  r.read("signaling", "ping_interval_ms", c.signaling.ping_interval_ms);
  r.read("signaling", "ping_timeout_ms", c.signaling.ping_timeout_ms);
  r.read("signaling", "pending_per_address", c.signaling.pending_per_address);
  r.read("signaling", "max_pending_connections", c.signaling.max_pending_connections);
  r.read("signaling", "connect_timeout_ms", c.signaling.connect_timeout_ms);
  r.read("log", "level", c.log.level);
  r.checked_elsewhere("analysis");
  r.checked_elsewhere("integrations");
  r.refuse_unknown(file);
  try {
    read_analysis_config(t, c);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("config " + file.string() + ": " + e.what());
  }
  if (c.signaling.ping_interval_ms < 100 || c.signaling.ping_timeout_ms < 100)
    throw std::runtime_error("signaling.ping_interval_ms and ping_timeout_ms must be >= 100");
  if (c.signaling.max_message_bytes < 1024)
    throw std::runtime_error("signaling.max_message_bytes must be >= 1024");
  if (c.webrtc.camera_bitrate_kbps < 100 || c.webrtc.camera_bitrate_kbps > 50000)
    throw std::runtime_error("webrtc.camera_bitrate_kbps must be in [100, 50000]");
  if (c.webrtc.encoder_linger_s < 0 || c.webrtc.max_sessions < 0)
    throw std::runtime_error("webrtc.encoder_linger_s and max_sessions must be >= 0");
  if (c.webrtc.h264_encoder != "auto" && c.webrtc.h264_encoder != "x264enc" &&
      c.webrtc.h264_encoder != "v4l2h264enc")
    throw std::runtime_error("webrtc.h264_encoder must be auto, x264enc or v4l2h264enc");
  if (c.robots.media != "p2p" && c.robots.media != "relay")
    throw std::runtime_error("robots.media must be p2p or relay, got '" + c.robots.media + "'");
  if (c.robots.relay_linger_s < 0) throw std::runtime_error("robots.relay_linger_s must be >= 0");
  const auto& rec = c.recording;
  if (rec.policy != "off" && rec.policy != "bookings" && rec.policy != "continuous")
    throw std::runtime_error("recording.policy must be off, bookings or continuous, got '" +
                             rec.policy + "'");
  if (rec.bitrate_kbps < 100 || rec.bitrate_kbps > 50000)
    throw std::runtime_error("recording.bitrate_kbps must be in [100, 50000]");
  if (rec.fragment_ms < 100 || rec.fragment_ms > 10000)
    throw std::runtime_error("recording.fragment_ms must be in [100, 10000]");
  if (rec.segment_s < 10 || rec.segment_s > 86400)
    throw std::runtime_error("recording.segment_s must be in [10, 86400]");
  if (rec.keep_days < 0 || rec.max_disk_gb < 0 || rec.min_free_disk_gb < 0)
    throw std::runtime_error("recording.keep_days, max_disk_gb and min_free_disk_gb must be >= 0");
  if (c.store.data_dir.empty()) throw std::runtime_error("store.data_dir must not be empty");
  if (!c.store.url.empty() && !c.store.url.starts_with("postgresql://") &&
      !c.store.url.starts_with("postgres://"))
    throw std::runtime_error("store.url must be empty (SQLite) or postgresql://...");
  const auto& cl = c.cluster;
  if (!cl.redis.empty()) {
    if (!cl.redis.starts_with("redis://"))
      throw std::runtime_error(
          "cluster.redis must be empty or redis://[[user]:password@]host[:port][/db]");
    if (cl.secret.empty() == cl.secret_file.empty())
      throw std::runtime_error("cluster.redis needs exactly one of cluster.secret and secret_file");
    if (!cl.secret.empty() && cl.secret.size() < 32)
      throw std::runtime_error("cluster.secret must be at least 32 characters");
    if (!cl.advertise_url.starts_with("http://"))
      throw std::runtime_error(
          "cluster.redis needs cluster.advertise_url, http://host:port (how other nodes reach this "
          "one)");
  }
  if (rec.dir.empty()) throw std::runtime_error("recording.dir must not be empty");
  if (!rec.remote_url.empty() && rec.on_complete.empty())
    throw std::runtime_error("recording.remote_url needs on_complete (the command that copies)");
  // Deleting what cannot be fetched back would lose it for playback.
  if (rec.delete_after_offload && (rec.remote_url.empty() || rec.fetch_command.empty()))
    throw std::runtime_error(
        "recording.delete_after_offload needs on_complete, remote_url and fetch_command");
  if (rec.offload_timeout_s < 1 || rec.offload_timeout_s > 86400)
    throw std::runtime_error("recording.offload_timeout_s must be in [1, 86400]");
  if (!parse_host_port(c.server.listen))
    throw std::runtime_error("server.listen must be HOST:PORT, got '" + c.server.listen + "'");
  if (cam.poll_fps <= 0 || cam.poll_fps > 120)
    throw std::runtime_error("cameras.poll_fps must be in (0, 120]");
  for (const auto& n : cam.allowed_networks)
    if (!ip_network::parse(n))
      throw std::runtime_error("cameras.allowed_networks: '" + n +
                               "' is not a CIDR like 192.168.1.0/24 (host bits zero)");
  if (cam.backoff_initial_ms == 0 || cam.backoff_max_ms < cam.backoff_initial_ms)
    throw std::runtime_error("cameras.backoff_max_ms must be >= backoff_initial_ms > 0");
  if (lim.login_burst < 1 || lim.api_burst < 1)
    throw std::runtime_error("limits.login_burst and limits.api_burst must be at least 1");
  if (c.signaling.connect_timeout_ms < 100)
    throw std::runtime_error("signaling.connect_timeout_ms must be >= 100");
  if (lim.login_failure_delay_ms > 60000)
    throw std::runtime_error("limits.login_failure_delay_ms must be <= 60000");
  if (c.auth.token_ttl_s == 0) throw std::runtime_error("auth.token_ttl_s must be positive");
  if (c.auth.refresh_ttl_s < 60 || c.auth.refresh_ttl_s > 3660 * 86400)
    throw std::runtime_error("auth.refresh_ttl_s must be in [60, 316224000]");
  if (c.auth.refresh_family_ttl_s < c.auth.refresh_ttl_s ||
      c.auth.refresh_family_ttl_s > 3660 * 86400)
    throw std::runtime_error(
        "auth.refresh_family_ttl_s must be >= auth.refresh_ttl_s and <= 316224000");
  if (lim.refresh_per_minute_ip < 0)
    throw std::runtime_error("limits.refresh_per_minute_ip must not be negative");
  return c;
}

std::optional<host_port> parse_host_port(std::string_view text) {
  std::string_view host, port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || ec != std::errc{} || p != port.data() + port.size() || value > 65535)
    return std::nullopt;
  return host_port{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace camgate::core
