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
  if constexpr (std::is_same_v<T, std::string>) {
    auto v = node.template value<std::string>();
    if (!v)
      throw std::runtime_error(std::string(section) + "." + std::string(key) + " must be a string");
    out = *v;
  } else if constexpr (std::is_floating_point_v<T>) {
    auto v = node.template value<double>();
    if (!v)
      throw std::runtime_error(std::string(section) + "." + std::string(key) + " must be a number");
    out = *v;
  } else {
    auto v = node.template value<std::int64_t>();
    if (!v)
      throw std::runtime_error(std::string(section) + "." + std::string(key) +
                               " must be an integer");
    if (*v < 0)
      throw std::runtime_error(std::string(section) + "." + std::string(key) +
                               " must not be negative");
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
  read(t, "log", "level", c.log.level);
  if (!parse_host_port(c.server.listen))
    throw std::runtime_error("server.listen must be HOST:PORT, got '" + c.server.listen + "'");
  if (cam.poll_fps <= 0 || cam.poll_fps > 120)
    throw std::runtime_error("cameras.poll_fps must be in (0, 120]");
  if (cam.backoff_initial_ms == 0 || cam.backoff_max_ms < cam.backoff_initial_ms)
    throw std::runtime_error("cameras.backoff_max_ms must be >= backoff_initial_ms > 0");
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
