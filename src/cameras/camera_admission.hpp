#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/asio.hpp"
#include "core/ip_network.hpp"

namespace camgate::cameras {

// Decides who may add a camera at which address, and keeps the gateway from becoming
// its own camera. Admins add cameras anywhere but at the gateway itself; a non-admin
// only at an IP address inside [cameras] allowed_networks (names need an admin: what a
// name resolves to can change after the check). Thread-safe.
class camera_admission {
 public:
  enum class verdict { allowed, gateway_itself, needs_admin };

  // Throws std::invalid_argument for an entry that is not a CIDR.
  explicit camera_admission(const std::vector<std::string>& allowed_networks = {});

  // Where the gateway listens, once it does (port 0 binds are known only then).
  void set_gateway(const tcp::endpoint& bound);
  // The gateway's port on loopback, an unspecified address (0.0.0.0 connects locally),
  // its bound address or any address of this host's interfaces.
  bool is_gateway(const tcp::endpoint& ep) const;
  bool in_allowed_networks(const asio::ip::address& a) const;

  // `host` as parse_camera_host returns it. Host names are resolved (within `timeout`)
  // to see whether they are the gateway; one that does not resolve is left to the
  // connect-time guard.
  asio::awaitable<verdict> check(std::string host, std::uint16_t port, bool admin,
                                 std::chrono::milliseconds timeout) const;

  static const char* message(verdict v);

 private:
  std::vector<core::ip_network> allowed_;
  mutable std::mutex mutex_;
  std::uint16_t port_ = 0;  // 0: not listening yet
  asio::ip::address bound_;
  std::vector<asio::ip::address> local_;  // this host's interface addresses
};

}  // namespace camgate::cameras
