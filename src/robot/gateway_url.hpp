#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace camgate::robot {

// The gateway's address as an operator writes it: "http://host:8080", "https://gw.example",
// "ws://host:8080/signaling", "wss://gw.example/base". HTTP calls (login, ICE servers)
// and the WebSocket use the same host, port and TLS setting.
struct gateway_url {
  bool tls = false;
  std::string host;
  std::string port;       // "80"/"443" when absent
  std::string base_path;  // "" or "/prefix" (no trailing slash); "/signaling" is stripped
  std::string http_target(std::string_view path) const { return base_path + std::string(path); }
  std::string host_header() const;
};

std::optional<gateway_url> parse_gateway_url(std::string_view text);

}  // namespace camgate::robot
