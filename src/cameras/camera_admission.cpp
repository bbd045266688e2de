#include "cameras/camera_admission.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace camgate::cameras {
namespace {

std::vector<asio::ip::address> interface_addresses() {
  std::vector<asio::ip::address> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (auto* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      out.emplace_back(asio::ip::address_v4(ntohl(in->sin_addr.s_addr)));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      asio::ip::address_v6::bytes_type b;
      std::copy_n(in6->sin6_addr.s6_addr, 16, b.begin());
      out.emplace_back(asio::ip::address_v6(b));
    }
  }
  freeifaddrs(list);
  return out;
}

// The addresses `host` names: itself when it is an IP, else the resolver's answer
// (empty when that fails or takes longer than `timeout`).
asio::awaitable<std::vector<asio::ip::address>> addresses_of(std::string host,
                                                             std::chrono::milliseconds timeout) {
  error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (!ec) co_return std::vector<asio::ip::address>{ip};
  auto ex = co_await asio::this_coro::executor;
  auto resolver = std::make_shared<tcp::resolver>(ex);
  auto timer = std::make_shared<asio::steady_timer>(ex, timeout);
  timer->async_wait([weak = std::weak_ptr<tcp::resolver>(resolver)](error_code e) {
    if (e) return;
    if (auto r = weak.lock()) r->cancel();
  });
  auto results =
      co_await resolver->async_resolve(host, "", asio::redirect_error(asio::use_awaitable, ec));
  timer->cancel();
  std::vector<asio::ip::address> out;
  if (!ec)
    for (const auto& r : results) out.push_back(r.endpoint().address());
  co_return out;
}

}  // namespace

camera_admission::camera_admission(const std::vector<std::string>& allowed_networks) {
  for (const auto& text : allowed_networks) {
    auto n = core::ip_network::parse(text);
    if (!n) throw std::invalid_argument("cameras.allowed_networks: '" + text + "' is not a CIDR");
    allowed_.push_back(*n);
  }
}

void camera_admission::set_gateway(const tcp::endpoint& bound) {
  auto local = interface_addresses();
  std::lock_guard lock(mutex_);
  port_ = bound.port();
  bound_ = core::unmapped(bound.address());
  local_ = std::move(local);
}

bool camera_admission::is_gateway(const tcp::endpoint& ep) const {
  const auto a = core::unmapped(ep.address());
  std::lock_guard lock(mutex_);
  if (port_ == 0 || ep.port() != port_) return false;
  if (a.is_loopback() || a.is_unspecified() || a == bound_) return true;
  return std::any_of(local_.begin(), local_.end(),
                     [&](const auto& l) { return core::unmapped(l) == a; });
}

bool camera_admission::in_allowed_networks(const asio::ip::address& a) const {
  return std::any_of(allowed_.begin(), allowed_.end(),
                     [&](const core::ip_network& n) { return n.contains(a); });
}

asio::awaitable<camera_admission::verdict> camera_admission::check(
    std::string host, std::uint16_t port, bool admin, std::chrono::milliseconds timeout) const {
  error_code ec;
  const auto literal = asio::ip::make_address(host, ec);
  const bool is_ip = !ec;
  const auto addresses = co_await addresses_of(host, timeout);
  for (const auto& a : addresses)
    if (is_gateway(tcp::endpoint(a, port))) co_return verdict::gateway_itself;
  if (admin) co_return verdict::allowed;
  if (!is_ip) co_return verdict::needs_admin;
  co_return in_allowed_networks(literal) ? verdict::allowed : verdict::needs_admin;
}

const char* camera_admission::message(verdict v) {
  switch (v) {
    case verdict::allowed:
      return "";
    case verdict::gateway_itself:
      return "that address is the gateway itself, not a camera";
    case verdict::needs_admin:
      return "cameras are added by an admin";
  }
  return "";
}

}  // namespace camgate::cameras
