#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace camgate::doctor {

// A camera as `doctor camera` takes it: "HOST", "HOST:PORT", "[::1]:8081", or
// "http://HOST[:PORT][/]". Parsed by the gateway's own strict camera URL parser.
struct camera_target {
  std::string host;  // canonical, IPv6 without brackets
  std::uint16_t port = 80;
};
// The target, or a sentence saying what is wrong with it.
std::variant<camera_target, std::string> parse_camera_target(std::string_view text);

// A gateway as `doctor gateway` takes it: "http[s]://HOST[:PORT][/prefix]" (a prefix when
// a reverse proxy serves it under a path).
struct gateway_target {
  std::string host;
  std::uint16_t port = 80;
  bool https = false;
  std::string prefix;               // "" or "/camgate", never ending in '/'
  std::string url() const;          // "https://host[:port]/prefix"
  std::string host_header() const;  // "host" or "host:port"
};
std::variant<gateway_target, std::string> parse_gateway_target(std::string_view text);

}  // namespace camgate::doctor
