#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace camgate::sources {

// An http:// resource on a camera.
struct camera_url {
  std::string host;  // canonical: lower case, IPv6 without brackets
  std::uint16_t port = 80;
  std::string path = "/";  // with the query, as sent in the request line
  bool https = false;      // parsed so it can be refused by name; sources speak http only

  std::string to_string() const;    // "http://host:port/path"
  std::string host_header() const;  // "host" or "host:port"
};

// A camera's host alone (the seed's ip_address, --host): canonical text and kind.
struct camera_host {
  enum class kind { ipv4, ipv6, name };
  std::string host;  // "192.168.1.20", "fe80::1" (no brackets), "cam.local"
  kind type = kind::name;
};

// The strict parsers below refuse rather than repair: the text of a camera URL ends up
// in a request line and a Host header, so anything that is not plainly a host, port and
// RFC 3986 path could smuggle bytes to the camera (or make it somebody else).
// Refused: control, space and non-ASCII bytes anywhere; more than kMaxUrlBytes; schemes
// other than http and https; userinfo ("user:pass@"); IPv4 other than a dotted quad
// ("0", "2130706433", "0x7f.1", "0177.0.0.1", "127.1"); IPv6 not in exactly one pair of
// brackets (bare IPv6 is accepted only by parse_camera_host); zone ids; ports outside
// 1..65535; path bytes outside RFC 3986 pchar / "/" / "?" and malformed %XX.
// The error is a sentence for a user.
inline constexpr std::size_t kMaxUrlBytes = 2048;
using url_result = std::variant<camera_url, std::string>;
using host_result = std::variant<camera_host, std::string>;

// "http[s]://host[:port][/path][?query][#fragment]" (the fragment is dropped).
url_result parse_camera_url(std::string_view url);
// "192.168.1.20", "::1", "[::1]" or "cam.local".
host_result parse_camera_host(std::string_view host);

// For stored endpoints: a full URL as above, "host[:port]/path" (http assumed) or "/path"
// (host and port then come from the defaults). nullopt when parse_camera_url would refuse.
std::optional<camera_url> parse_camera_url(std::string_view url, std::string_view default_host,
                                           std::uint16_t default_port);

}  // namespace camgate::sources
