#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "doctor/report.hpp"

namespace camgate::doctor {

using clock = std::chrono::steady_clock;
double ms_since(clock::time_point start);

// Name resolution with a deadline (the resolver has none of its own).
struct resolved {
  std::vector<tcp::endpoint> endpoints;
  error_code ec;
  double ms = 0;
  bool literal = false;  // an IP address: nothing was looked up
};
asio::awaitable<resolved> resolve_host(std::string host, std::uint16_t port,
                                       std::chrono::milliseconds timeout);

// Connects `stream` to the first endpoint that accepts, within `timeout` in all.
struct connected {
  error_code ec;
  tcp::endpoint peer;
  double ms = 0;
};
asio::awaitable<connected> connect_tcp(beast::tcp_stream& stream,
                                       const std::vector<tcp::endpoint>& endpoints,
                                       std::chrono::milliseconds timeout);

// The "dns" and "tcp" checks of both doctors: the results as report lines with advice.
// `who` names the far end in advice ("the camera", "the gateway").
check dns_check(const std::string& host, const resolved& r, std::string_view who);
check tcp_check(const std::string& where, const connected& c, std::string_view who);

// "timed out", or the error's own message.
std::string describe(const error_code& ec);
// Printable ASCII only, at most `max` characters: text from the far end goes to a terminal.
std::string printable(std::string_view text, std::size_t max = 80);
// "host:port" with IPv6 hosts in brackets.
std::string host_port(const std::string& host, std::uint16_t port);

}  // namespace camgate::doctor
