#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camgate::sources {

// An http:// resource on a camera.
struct camera_url {
  std::string host;
  std::uint16_t port = 80;
  std::string path = "/";  // with the query, as sent in the request line

  std::string to_string() const;    // "http://host:port/path"
  std::string host_header() const;  // "host" or "host:port"
};

// Parses "http://host[:port][/path]", "host[:port][/path]" or "/path" (host and port
// then come from the defaults). IPv6 hosts go in brackets. nullopt for any other
// scheme (https is not spoken to cameras), an empty host or a bad port.
std::optional<camera_url> parse_camera_url(std::string_view url, std::string_view default_host,
                                           std::uint16_t default_port);

}  // namespace camgate::sources
