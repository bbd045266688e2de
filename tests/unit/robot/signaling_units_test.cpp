#include <gtest/gtest.h>

#include <fstream>

#include "robot/gateway_url.hpp"
#include "robot/robot_config.hpp"
#include "robot/signaling_client.hpp"

using namespace camgate::robot;
namespace media = camgate::media;

TEST(gateway_url, forms_an_operator_writes) {
  auto u = parse_gateway_url("https://gw.example.com");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->host_header(), "gw.example.com");
  EXPECT_EQ(u->http_target("/auth/login"), "/auth/login");
  u = parse_gateway_url("ws://127.0.0.1:8080/signaling");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->base_path, "");
  EXPECT_EQ(u->host_header(), "127.0.0.1:8080");
  u = parse_gateway_url("wss://[::1]:9443/camgate/signaling/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->base_path, "/camgate");
  EXPECT_EQ(u->host_header(), "[::1]:9443");
  EXPECT_EQ(u->http_target("/signaling"), "/camgate/signaling");
  for (const char* bad : {"", "gw:80", "ftp://x", "http://", "http://h:", "http://h:0",
                          "http://h:70000", "http://u@h", "http://[::1"})
    EXPECT_FALSE(parse_gateway_url(bad)) << bad;
}

TEST(ice_servers, parses_the_gateway_shape) {
  auto s = parse_ice_servers(nlohmann::json::parse(R"({"success":true,"iceServers":[
      {"urls":["stun:stun.example:3478"]},
      {"urls":"turn:turn.example:3478?transport=udp","username":"1700000000:robot-1","credential":"abc="},
      {"nourls":1}, 5],"ttl":86400})"));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].urls[0], "stun:stun.example:3478");
  EXPECT_EQ(s[1].username, "1700000000:robot-1");
  EXPECT_EQ(s[1].credential, "abc=");
  EXPECT_TRUE(parse_ice_servers(nlohmann::json::parse("[]")).empty());
  EXPECT_TRUE(parse_ice_servers(nlohmann::json::parse(R"({"iceServers":{}})")).empty());
}

TEST(robot_config, reads_the_toml_file) {
  const auto path = std::filesystem::temp_directory_path() / "camgate-robot-test.toml";
  {
    std::ofstream f(path);
    f << "[gateway]\nurl = \"https://gw\"\nrobot = \"robot-7\"\ncredential_file = \"/etc/c\"\n"
         "[video]\nsource = \"v4l2:/dev/video1\"\nwidth = 640\nheight = 480\nfps = 15\n"
         "bitrate_kbps = 800\ncodec = \"vp8\"\n[webrtc]\nice_local_addresses = [\"127.0.0.1\"]\n"
         "stun = [\"stun:stun.example:3478\"]\n";
  }
  robot_config cfg;
  load_robot_config(path, cfg);
  apply_codec_preference(cfg);
  EXPECT_EQ(cfg.gateway_url, "https://gw");
  EXPECT_EQ(cfg.robot, "robot-7");
  EXPECT_EQ(cfg.media.source, "v4l2:/dev/video1");
  EXPECT_EQ(cfg.media.width, 640);
  EXPECT_EQ(cfg.media.fps, 15);
  EXPECT_EQ(cfg.media.bitrate_kbps, 800);
  EXPECT_EQ(cfg.media.codecs.front(), media::video_codec::vp8);
  ASSERT_EQ(cfg.media.ice_servers.size(), 1u);
  {
    std::ofstream f(path);
    f << "[video]\nfps = 0\n";
  }
  EXPECT_THROW(load_robot_config(path, cfg), std::runtime_error);
  {
    std::ofstream f(path);
    f << "[video\n";
  }
  EXPECT_THROW(load_robot_config(path, cfg), std::runtime_error);
  std::filesystem::remove(path);
  cfg.preferred_codec = "av1";
  EXPECT_THROW(apply_codec_preference(cfg), std::runtime_error);
}
