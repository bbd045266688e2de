#include "doctor/net_steps.hpp"

#include <memory>

#include <fmt/format.h>

namespace camgate::doctor {

double ms_since(clock::time_point start) {
  return std::chrono::duration<double, std::milli>(clock::now() - start).count();
}

std::string describe(const error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return "timed out";
  return ec.message();
}

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7F) ? c : (c == '\n' || c == '\r' || c == '\t') ? ' ' : '?';
  }
  return out;
}

std::string host_port(const std::string& host, std::uint16_t port) {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

asio::awaitable<resolved> resolve_host(std::string host, std::uint16_t port,
                                       std::chrono::milliseconds timeout) {
  resolved r;
  const auto start = clock::now();
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    r.literal = true;
    r.endpoints.emplace_back(address, port);
    co_return r;
  }
  // Shared with the timer's handler, which may run after this frame is gone.
  struct lookup {
    explicit lookup(asio::any_io_executor e) : resolver(e), timer(e) {}
    tcp::resolver resolver;
    asio::steady_timer timer;
    bool timed_out = false;
  };
  auto l = std::make_shared<lookup>(co_await asio::this_coro::executor);
  l->timer.expires_after(timeout);
  l->timer.async_wait([l](error_code e) {
    if (e) return;
    l->timed_out = true;
    l->resolver.cancel();
  });
  const auto results = co_await l->resolver.async_resolve(
      host, std::to_string(port), asio::redirect_error(asio::use_awaitable, r.ec));
  l->timer.cancel();
  if (l->timed_out && r.ec == asio::error::operation_aborted) r.ec = beast::error::timeout;
  r.ms = ms_since(start);
  for (const auto& e : results) r.endpoints.push_back(e.endpoint());
  if (!r.ec && r.endpoints.empty()) r.ec = asio::error::host_not_found;
  co_return r;
}

asio::awaitable<connected> connect_tcp(beast::tcp_stream& stream,
                                       const std::vector<tcp::endpoint>& endpoints,
                                       std::chrono::milliseconds timeout) {
  connected c;
  const auto start = clock::now();
  stream.expires_after(timeout);
  c.peer =
      co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, c.ec));
  c.ms = ms_since(start);
  co_return c;
}

check dns_check(const std::string& host, const resolved& r, std::string_view who) {
  check c{"dns", "DNS " + host};
  if (r.literal) {
    c.detail = "an IP address, nothing to look up";
    return c;
  }
  c.ms = r.ms;
  if (r.ec) {
    c.status = check_status::fail;
    c.detail = "cannot resolve: " + describe(r.ec);
    c.advice = fmt::format(
        "Check the spelling of the name, or use {}'s IP address (an ESP32-CAM prints it on "
        "its serial console; the router's DHCP list shows it too). Names ending in .local "
        "need mDNS (avahi) on this machine.",
        who);
    return c;
  }
  std::string list;
  auto addresses = nlohmann::json::array();
  for (const auto& e : r.endpoints) {
    const auto a = e.address().to_string();
    if (!list.empty()) list += ", ";
    list += a;
    addresses.push_back(a);
  }
  c.detail = list;
  c.data["addresses"] = addresses;
  return c;
}

check tcp_check(const std::string& where, const connected& k, std::string_view who) {
  check c{"tcp", "TCP connect to " + where};
  c.ms = k.ms;
  if (!k.ec) {
    c.detail = "connected to " + host_port(k.peer.address().to_string(), k.peer.port());
    return c;
  }
  c.status = check_status::fail;
  c.detail = describe(k.ec);
  if (k.ec == asio::error::connection_refused) {
    c.advice = fmt::format(
        "Nothing listens on {}: check the port ({} may use another; the stock ESP32 "
        "CameraWebServer serves port 80 and its stream on 81) and that it has finished "
        "booting.",
        where, who);
  } else if (k.ec == beast::error::timeout || k.ec == asio::error::timed_out) {
    c.advice = fmt::format(
        "No answer at all: {} is off, on another network or Wi-Fi, or a firewall drops "
        "the packets. Check it is powered and on the same network as this machine "
        "(ping it), and the address.",
        who);
  } else {
    c.advice = fmt::format(
        "No route to {}: check the IP address and that this machine is on its network "
        "(same subnet, VPN, Wi-Fi).",
        who);
  }
  return c;
}

}  // namespace camgate::doctor
