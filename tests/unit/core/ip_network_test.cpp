#include "core/ip_network.hpp"

#include <gtest/gtest.h>

using camgate::core::ip_network;
namespace ip = boost::asio::ip;

TEST(IpNetwork, ParsesV4AndV6Blocks) {
  EXPECT_EQ(ip_network::parse("192.168.1.0/24")->to_string(), "192.168.1.0/24");
  EXPECT_EQ(ip_network::parse("10.0.0.7")->to_string(), "10.0.0.7/32");
  EXPECT_EQ(ip_network::parse("0.0.0.0/0")->to_string(), "0.0.0.0/0");
  EXPECT_EQ(ip_network::parse("fd00::/8")->to_string(), "fd00::/8");
  EXPECT_EQ(ip_network::parse("::1")->to_string(), "::1/128");
}

TEST(IpNetwork, RefusesMalformedBlocks) {
  for (const char* bad :
       {"", "/", "10.0.0.0/", "10.0.0.0/33", "fd00::/129", "10.0.0.1/8", "10.1/16", "010.0.0.0/8",
        "10.0.0.0/-1", "10.0.0.0/8x", "cam/8", "fe80::1%eth0", "10.0.0.0/0008", " 10.0.0.0/8"})
    EXPECT_FALSE(ip_network::parse(bad)) << bad;
}

TEST(IpNetwork, ContainsV4) {
  auto n = *ip_network::parse("192.168.1.0/24");
  EXPECT_TRUE(n.contains(ip::make_address("192.168.1.0")));
  EXPECT_TRUE(n.contains(ip::make_address("192.168.1.255")));
  EXPECT_FALSE(n.contains(ip::make_address("192.168.2.1")));
  EXPECT_FALSE(n.contains(ip::make_address("::1")));
  // The mapped form is the same address: no way around a block.
  EXPECT_TRUE(n.contains(ip::make_address("::ffff:192.168.1.9")));
  auto odd = *ip_network::parse("10.0.0.0/13");
  EXPECT_TRUE(odd.contains(ip::make_address("10.7.255.255")));
  EXPECT_FALSE(odd.contains(ip::make_address("10.8.0.0")));
  EXPECT_TRUE(ip_network::parse("0.0.0.0/0")->contains(ip::make_address("8.8.8.8")));
}

TEST(IpNetwork, ContainsV6) {
  auto n = *ip_network::parse("fd00:ab::/33");
  EXPECT_TRUE(n.contains(ip::make_address("fd00:ab:7fff::1")));
  EXPECT_FALSE(n.contains(ip::make_address("fd00:ab:8000::1")));
  EXPECT_FALSE(n.contains(ip::make_address("10.0.0.1")));
  EXPECT_TRUE(ip_network::parse("::1")->contains(ip::make_address("::1")));
}
