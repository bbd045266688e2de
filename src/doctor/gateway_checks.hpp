#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "core/asio.hpp"
#include "doctor/report.hpp"
#include "doctor/targets.hpp"

namespace camgate::doctor {

struct gateway_options {
  std::string text;  // the URL as the user wrote it
  gateway_target target;
  std::optional<std::string> origin;  // --origin: a web page's origin to preflight
  std::optional<std::string> user;    // --user, with the password from stdin
  std::string password;
  std::optional<std::string> ca_file;  // --ca-file: trust this CA (PEM) instead of the system's
  std::chrono::milliseconds timeout{5000};
};

// The gateway side of "stream not loading": /health, TLS (chain, host name, expiry), a
// CORS preflight for a web page's origin, a login, and the ICE servers the gateway
// hands out (configured? reachable?).
asio::awaitable<report> check_gateway(gateway_options o);

}  // namespace camgate::doctor
