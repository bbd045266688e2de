#include "doctor/ice_checks.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "doctor/http_fetch.hpp"
#include "doctor/ice_probe.hpp"
#include "doctor/net_steps.hpp"

namespace camgate::doctor {

namespace {

constexpr std::size_t kMaxUrls = 16;  // a hostile list is not walked to the end

// Every URL of an iceServers list with whether its entry has credentials.
std::vector<std::pair<std::string, bool>> ice_urls(const nlohmann::json& servers) {
  std::vector<std::pair<std::string, bool>> out;
  if (!servers.is_array()) return out;
  for (const auto& s : servers) {
    if (!s.is_object() || !s.contains("urls")) continue;
    const bool creds = s.contains("username") && s.contains("credential");
    const auto& urls = s["urls"];
    if (urls.is_string()) out.emplace_back(urls.get<std::string>(), creds);
    if (urls.is_array())
      for (const auto& u : urls)
        if (u.is_string()) out.emplace_back(u.get<std::string>(), creds);
  }
  return out;
}

}  // namespace

asio::awaitable<void> ice_checks(report& r, const gateway_target& t,
                                 const std::optional<std::string>& token,
                                 std::chrono::milliseconds timeout, ssl::context* tls) {
  check c{"ice_servers", "ICE servers (GET /api/webrtc/ice-servers)"};
  if (!token) {
    c.status = check_status::skip;
    c.detail = "needs a login: the gateway hands ICE servers to signed-in users only";
    r.add(std::move(c));
    co_return;
  }
  fetch_request req;
  req.target = "/api/webrtc/ice-servers";
  req.headers = {{"Authorization", "Bearer " + *token}};
  const auto f = co_await fetch(t, req, timeout, tls);
  c.ms = f.ms;
  if (!f.ok()) {
    c.status = check_status::fail;
    c.detail = f.error;
    r.add(std::move(c));
    co_return;
  }
  const auto j = nlohmann::json::parse(f.body, nullptr, false);
  if (f.status != 200 || !j.is_object() || !j.contains("iceServers")) {
    c.status = f.status == 503 ? check_status::warn : check_status::fail;
    c.detail = fmt::format("HTTP {}: {}", f.status, printable(f.body, 100));
    if (f.status == 503) c.advice = "WebRTC signaling is not running on this gateway.";
    r.add(std::move(c));
    co_return;
  }
  const auto urls = ice_urls(j["iceServers"]);
  c.data["urls"] = nlohmann::json::array();
  bool has_turn = false;
  for (const auto& e : urls) {
    c.data["urls"].push_back(printable(e.first, 200));
    has_turn = has_turn || e.first.rfind("turn", 0) == 0;
  }
  if (urls.empty()) {
    c.status = check_status::warn;
    c.detail = "none configured";
    c.advice =
        "WebRTC then works only where viewers reach the gateway (or robot) directly, "
        "e.g. on the same LAN. For viewers elsewhere set [webrtc] stun_urls, and "
        "turn_urls with turn_secret for viewers behind strict NAT or firewalls.";
    r.add(std::move(c));
    co_return;
  }
  c.detail = fmt::format("{} URL{}{}", urls.size(), urls.size() == 1 ? "" : "s",
                         has_turn ? "" : ", no TURN");
  if (!has_turn) {
    c.status = check_status::warn;
    c.advice =
        "Without TURN, viewers behind symmetric NAT or UDP-blocking firewalls cannot "
        "connect: add [webrtc] turn_urls and turn_secret (coturn).";
  }
  r.add(std::move(c));

  std::size_t n = 0;
  for (const auto& entry : urls) {
    const auto& text = entry.first;
    const bool creds = entry.second;
    if (++n > kMaxUrls) break;
    check u{"ice", printable(text, 120)};
    u.data["url"] = printable(text, 200);
    const auto parsed = parse_ice_url(text);
    if (auto* err = std::get_if<std::string>(&parsed)) {
      u.status = check_status::fail;
      u.detail = "cannot be used: " + *err;
      u.advice =
          "Fix the URL in [webrtc] stun_urls / turn_urls (stun:HOST[:PORT], "
          "turn:HOST[:PORT][?transport=udp|tcp], turns:HOST[:PORT]).";
      r.add(std::move(u));
      continue;
    }
    const auto& url = std::get<ice_url>(parsed);
    const auto p = co_await probe_ice(url, timeout);
    u.ms = p.ms;
    u.detail = p.detail;
    u.data["reached"] = p.reached;
    if (!p.reached) {
      u.status = check_status::fail;
      u.advice = fmt::format(
          "This machine cannot reach {} over {}: check the server runs, the address, and "
          "that firewalls let {} port {} through (viewers need it too).",
          host_port(url.host, url.port), url.tcp ? "TCP" : "UDP", url.tcp ? "TCP" : "UDP",
          url.port);
    } else if (url.is_turn() && !creds) {
      u.status = check_status::warn;
      u.advice =
          "The gateway hands this TURN server out without credentials: set [webrtc] "
          "turn_secret (coturn's static-auth-secret).";
    }
    r.add(std::move(u));
  }
}

}  // namespace camgate::doctor
