#include "core/config.hpp"

#include <charconv>
#include <stdexcept>

#include <toml++/toml.h>

namespace camgate::core {
namespace {

template <typename T>
void read(const toml::table& t, std::string_view section, std::string_view key, T& out) {
  const auto node = t[section][key];
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
  read(t, "server", "listen", c.server.listen);
  read(t, "server", "threads", c.server.threads);
  read(t, "server", "web_root", c.server.web_root);
  read(t, "auth", "jwt_secret", c.auth.jwt_secret);
  read(t, "auth", "token_ttl_s", c.auth.token_ttl_s);
  read(t, "auth", "cookie_secure", c.auth.cookie_secure);
  auto& ext = c.external_jwt;
  read(t, "external_jwt", "algorithm", ext.algorithm);
  read(t, "external_jwt", "secret", ext.secret);
  read(t, "external_jwt", "public_key_file", ext.public_key_file);
  read(t, "external_jwt", "issuer", ext.issuer);
  read(t, "external_jwt", "audience", ext.audience);
  read(t, "external_jwt", "user_claim", ext.user_claim);
  read(t, "external_jwt", "role_claim", ext.role_claim);
  read(t, "external_jwt", "admin_role_value", ext.admin_role_value);
  read(t, "external_jwt", "leeway_s", ext.leeway_s);
  read(t, "cors", "allowed_origins", c.cors.allowed_origins);
  read(t, "cors", "allow_credentials", c.cors.allow_credentials);
  read(t, "cors", "max_age_s", c.cors.max_age_s);
  auto& lim = c.limits;
  read(t, "limits", "login_per_minute_ip", lim.login_per_minute_ip);
  read(t, "limits", "login_per_minute_user", lim.login_per_minute_user);
  read(t, "limits", "login_burst", lim.login_burst);
  read(t, "limits", "api_per_second_user", lim.api_per_second_user);
  read(t, "limits", "api_burst", lim.api_burst);
  read(t, "limits", "streams_per_user", lim.streams_per_user);
  auto& cam = c.cameras;
  read(t, "cameras", "connect_timeout_ms", cam.connect_timeout_ms);
  read(t, "cameras", "stall_timeout_ms", cam.stall_timeout_ms);
  read(t, "cameras", "stale_after_ms", cam.stale_after_ms);
  read(t, "cameras", "poll_fps", cam.poll_fps);
  read(t, "cameras", "max_frame_bytes", cam.max_frame_bytes);
  read(t, "cameras", "backoff_initial_ms", cam.backoff_initial_ms);
  read(t, "cameras", "backoff_max_ms", cam.backoff_max_ms);
  read(t, "cameras", "probe_timeout_ms", cam.probe_timeout_ms);
  read(t, "cameras", "snapshot_max_age_ms", cam.snapshot_max_age_ms);
  read(t, "cameras", "snapshot_wait_ms", cam.snapshot_wait_ms);
  read(t, "cameras", "viewer_write_timeout_s", cam.viewer_write_timeout_s);
  read(t, "access", "warn_before_s", c.access.warn_before_s);
  read(t, "webrtc", "stun_urls", c.webrtc.stun_urls);
  read(t, "webrtc", "turn_urls", c.webrtc.turn_urls);
  read(t, "webrtc", "turn_secret", c.webrtc.turn_secret);
  read(t, "webrtc", "turn_ttl_s", c.webrtc.turn_ttl_s);
  read(t, "signaling", "max_message_bytes", c.signaling.max_message_bytes);
  read(t, "signaling", "messages_per_second", c.signaling.messages_per_second);
  read(t, "signaling", "message_burst", c.signaling.message_burst);
  read(t, "signaling", "connections_per_user", c.signaling.connections_per_user);
  read(t, "signaling", "max_connections", c.signaling.max_connections);
  read(t, "signaling", "ping_interval_ms", c.signaling.ping_interval_ms);
  read(t, "signaling", "ping_timeout_ms", c.signaling.ping_timeout_ms);
  if (c.signaling.ping_interval_ms < 100 || c.signaling.ping_timeout_ms < 100)
    throw std::runtime_error("signaling.ping_interval_ms and ping_timeout_ms must be >= 100");
  if (c.signaling.max_message_bytes < 1024)
    throw std::runtime_error("signaling.max_message_bytes must be >= 1024");
  read(t, "log", "level", c.log.level);
  if (!parse_host_port(c.server.listen))
    throw std::runtime_error("server.listen must be HOST:PORT, got '" + c.server.listen + "'");
  if (cam.poll_fps <= 0 || cam.poll_fps > 120)
    throw std::runtime_error("cameras.poll_fps must be in (0, 120]");
  if (cam.backoff_initial_ms == 0 || cam.backoff_max_ms < cam.backoff_initial_ms)
    throw std::runtime_error("cameras.backoff_max_ms must be >= backoff_initial_ms > 0");
  if (lim.login_burst < 1 || lim.api_burst < 1)
    throw std::runtime_error("limits.login_burst and limits.api_burst must be at least 1");
  if (c.auth.token_ttl_s == 0) throw std::runtime_error("auth.token_ttl_s must be positive");
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
