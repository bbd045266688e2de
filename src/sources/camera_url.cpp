#include "sources/camera_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace camgate::sources {
namespace {

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

std::string bracketed(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace

std::string camera_url::to_string() const {
  return "http://" + bracketed(host) + ":" + std::to_string(port) + path;
}

std::string camera_url::host_header() const {
  return port == 80 ? bracketed(host) : bracketed(host) + ":" + std::to_string(port);
}

std::optional<camera_url> parse_camera_url(std::string_view url, std::string_view default_host,
                                           std::uint16_t default_port) {
  camera_url out;
  out.host = std::string(default_host);
  out.port = default_port;
  if (url.empty()) return std::nullopt;
  if (url.front() != '/') {
    if (istarts_with(url, "http://")) {
      url.remove_prefix(7);
    } else if (url.find("://") != std::string_view::npos) {
      return std::nullopt;
    }
    const auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    url = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);  // credentials are not supported; ignore them
    }
    std::string_view port_text;
    if (authority.starts_with("[")) {
      const auto close = authority.find(']');
      if (close == std::string_view::npos) return std::nullopt;
      out.host = std::string(authority.substr(1, close - 1));
      const auto rest = authority.substr(close + 1);
      if (!rest.empty()) {
        if (rest.front() != ':') return std::nullopt;
        port_text = rest.substr(1);
      }
    } else {
      const auto colon = authority.find(':');
      out.host = std::string(authority.substr(0, colon));
      if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) return std::nullopt;
    out.port = 80;
    if (!port_text.empty()) {
      unsigned value = 0;
      auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
      if (ec != std::errc{} || p != port_text.data() + port_text.size() || value == 0 ||
          value > 65535) {
        return std::nullopt;
      }
      out.port = static_cast<std::uint16_t>(value);
    }
  }
  if (out.host.empty()) return std::nullopt;
  out.path = url.empty() ? "/" : std::string(url);
  if (const auto hash = out.path.find('#'); hash != std::string::npos) out.path.resize(hash);
  if (out.path.empty()) out.path = "/";
  return out;
}

}  // namespace camgate::sources
