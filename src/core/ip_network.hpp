#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace camgate::core {

// An address block such as "192.168.1.0/24" or "fd00::/8" (a bare address is a /32 or
// /128). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are compared as the IPv4 address
// they carry, so a mapped form cannot slip past an IPv4 block or rule.
class ip_network {
 public:
  // nullopt for anything but ADDRESS[/PREFIX] with the host bits zero.
  static std::optional<ip_network> parse(std::string_view text);

  bool contains(const boost::asio::ip::address& a) const;
  std::string to_string() const;

 private:
  ip_network(boost::asio::ip::address base, unsigned prefix) : base_(base), prefix_(prefix) {}
  boost::asio::ip::address base_;
  unsigned prefix_ = 0;
};

// ::ffff:a.b.c.d as a.b.c.d; any other address unchanged.
boost::asio::ip::address unmapped(const boost::asio::ip::address& a);

}  // namespace camgate::core
