#include "signaling/ice_servers.hpp"

#include <gtest/gtest.h>

using namespace camgate::signaling;

TEST(IceServers, TurnCredentialMatchesCoturnScheme) {
  // Known answer, computed independently:
  //   printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac 'north' -binary | base64
  auto c = make_turn_credential("north", "alice", 1700000000);
  EXPECT_EQ(c.username, "1700000000:alice");
  EXPECT_EQ(c.credential, "Cd/49soE35ICqcJF/bCTn8Z4OyE=");
}

TEST(IceServers, JsonListsStunAndTurnWithCredentials) {
  ice_config cfg;
  cfg.stun_urls = {"stun:stun.example.org:3478"};
  cfg.turn_urls = {"turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"};
  cfg.turn_secret = "north";
  cfg.turn_ttl_s = 600;
  auto j = ice_servers_json(cfg, "alice", 1000);
  EXPECT_EQ(j["success"], true);
  EXPECT_EQ(j["ttl"], 600);
  ASSERT_EQ(j["iceServers"].size(), 2u);
  EXPECT_EQ(j["iceServers"][0]["urls"][0], "stun:stun.example.org:3478");
  EXPECT_FALSE(j["iceServers"][0].contains("username"));
  EXPECT_EQ(j["iceServers"][1]["urls"].size(), 2u);
  EXPECT_EQ(j["iceServers"][1]["username"], "1600:alice");
  EXPECT_EQ(j["iceServers"][1]["credential"],
            make_turn_credential("north", "alice", 1600).credential);
}

TEST(IceServers, NoSecretNoCredentialsAndEmptyConfig) {
  ice_config cfg;
  auto j = ice_servers_json(cfg, "bob", 1);
  EXPECT_TRUE(j["iceServers"].empty());
  cfg.turn_urls = {"turn:t"};
  j = ice_servers_json(cfg, "bob", 1);
  ASSERT_EQ(j["iceServers"].size(), 1u);
  EXPECT_FALSE(j["iceServers"][0].contains("credential"));
}
