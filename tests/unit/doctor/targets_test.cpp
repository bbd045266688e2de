#include <gtest/gtest.h>

#include "doctor/net_steps.hpp"
#include "doctor/targets.hpp"

using namespace camgate::doctor;

namespace {

camera_target camera(std::string_view text) {
  auto r = parse_camera_target(text);
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << text << ": " << *e;
  return std::get_if<camera_target>(&r) ? std::get<camera_target>(r) : camera_target{};
}

bool camera_refused(std::string_view text) {
  return std::holds_alternative<std::string>(parse_camera_target(text));
}

}  // namespace

TEST(DoctorTargets, CameraHostAndPort) {
  EXPECT_EQ(camera("192.168.1.20").host, "192.168.1.20");
  EXPECT_EQ(camera("192.168.1.20").port, 80);
  EXPECT_EQ(camera("192.168.1.20:8081").port, 8081);
  EXPECT_EQ(camera("Cam.Local").host, "cam.local");
  EXPECT_EQ(camera("http://10.0.0.7:81/").port, 81);
  EXPECT_EQ(camera("[::1]:8081").host, "::1");
  EXPECT_EQ(camera("[::1]:8081").port, 8081);
  EXPECT_EQ(camera("::1").host, "::1");
  EXPECT_EQ(camera("::1").port, 80);
}

TEST(DoctorTargets, CameraRefusesWhatTheGatewayRefuses) {
  EXPECT_TRUE(camera_refused(""));
  EXPECT_TRUE(camera_refused("10.0.0.7:0"));
  EXPECT_TRUE(camera_refused("10.0.0.7:65536"));
  EXPECT_TRUE(camera_refused("10.0.0.7/stream"));   // no path: the doctor finds it
  EXPECT_TRUE(camera_refused("https://10.0.0.7"));  // ESP32s speak http
  EXPECT_TRUE(camera_refused("ftp://10.0.0.7"));
  EXPECT_TRUE(camera_refused("user:pw@10.0.0.7"));
  EXPECT_TRUE(camera_refused("10.0.0.7\r\nX: y"));
  EXPECT_TRUE(camera_refused("0x7f.1"));
}

TEST(DoctorTargets, GatewayUrl) {
  auto r = parse_gateway_target("https://GW.example.org/camgate/");
  ASSERT_TRUE(std::holds_alternative<gateway_target>(r));
  const auto& g = std::get<gateway_target>(r);
  EXPECT_EQ(g.host, "gw.example.org");
  EXPECT_EQ(g.port, 443);
  EXPECT_TRUE(g.https);
  EXPECT_EQ(g.prefix, "/camgate");
  EXPECT_EQ(g.host_header(), "gw.example.org");
  EXPECT_EQ(g.url(), "https://gw.example.org/camgate");

  auto plain = std::get<gateway_target>(parse_gateway_target("http://127.0.0.1:8080"));
  EXPECT_EQ(plain.prefix, "");
  EXPECT_EQ(plain.host_header(), "127.0.0.1:8080");
  EXPECT_FALSE(plain.https);

  EXPECT_TRUE(std::holds_alternative<std::string>(parse_gateway_target("127.0.0.1:8080")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_gateway_target("http://h/x?y=1")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_gateway_target("http://h:99999")));
}

TEST(DoctorTargets, PrintableKeepsTerminalsSafe) {
  EXPECT_EQ(printable("ESP32 Camera Ready"), "ESP32 Camera Ready");
  EXPECT_EQ(printable("a\x1b[2Jb\r\n"), "a?[2Jb  ");
  EXPECT_EQ(printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
  EXPECT_EQ(host_port("::1", 81), "[::1]:81");
  EXPECT_EQ(host_port("10.0.0.1", 81), "10.0.0.1:81");
}
