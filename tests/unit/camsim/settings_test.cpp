#include <gtest/gtest.h>

#include "camsim/fault_settings.hpp"
#include "camsim/sensor_settings.hpp"
#include "camsim/server_options.hpp"
#include "camsim/stream_gate.hpp"

using namespace camgate::camsim;

TEST(ServerOptions, ParsesListenAddresses) {
  EXPECT_EQ(parse_listen("127.0.0.1:8081"),
            (std::pair<std::string, std::uint16_t>{"127.0.0.1", 8081}));
  EXPECT_EQ(parse_listen("[::1]:0"), (std::pair<std::string, std::uint16_t>{"::1", 0}));
  EXPECT_FALSE(parse_listen("127.0.0.1"));
  EXPECT_FALSE(parse_listen(":80"));
  EXPECT_FALSE(parse_listen("host:65536"));
  EXPECT_FALSE(parse_listen("host:8o"));
}

TEST(ServerOptions, ParsesResolutions) {
  EXPECT_EQ(parse_resolution("1280x720"), (std::pair{1280, 720}));
  EXPECT_EQ(parse_resolution("640X480"), (std::pair{640, 480}));
  EXPECT_FALSE(parse_resolution("1280"));
  EXPECT_FALSE(parse_resolution("8x8"));
  EXPECT_FALSE(parse_resolution("1280x720p"));
}

TEST(SensorSettings, StatusLooksLikeTheFirmwares) {
  sensor_settings s(1280, 720, 88);
  const auto json = s.status_json();
  EXPECT_EQ(json.rfind("{\"xclk\":20,\"pixformat\":4,\"framesize\":11,\"quality\":12,", 0), 0u)
      << json;
  EXPECT_NE(json.find("\"vflip\":0,\"dcw\":1,\"colorbar\":0}"), std::string::npos) << json;
}

TEST(SensorSettings, ControlChangesSizeAndQualityAndRejectsLikeTheFirmware) {
  sensor_settings s(1280, 720, 80);
  EXPECT_TRUE(s.set("framesize", 5));
  EXPECT_EQ(s.width(), 320);
  EXPECT_EQ(s.height(), 240);
  EXPECT_EQ(s.framesize_index(), 5);
  EXPECT_TRUE(s.set("quality", 10));
  EXPECT_EQ(s.jpeg_quality(), 90);
  EXPECT_EQ(s.esp_quality(), 10);
  EXPECT_TRUE(s.set("brightness", -2));
  EXPECT_NE(s.status_json().find("\"brightness\":-2"), std::string::npos);
  EXPECT_FALSE(s.set("framesize", 14));
  EXPECT_FALSE(s.set("quality", 64));
  EXPECT_FALSE(s.set("no_such_thing", 1));
  EXPECT_EQ(s.width(), 320);
}

TEST(SensorSettings, OddSizesReportTheNearestFramesize) {
  EXPECT_EQ(sensor_settings(1300, 730, 80).framesize_index(), 11);
  EXPECT_EQ(sensor_settings(100, 100, 80).framesize_index(), 0);
}

TEST(FaultSettings, ControlNames) {
  EXPECT_FALSE(fault_settings::from_control("none", std::nullopt)->any());
  EXPECT_EQ(fault_settings::from_control("stop", std::nullopt)->stop_after, 0u);
  EXPECT_EQ(fault_settings::from_control("stall", 4)->stall_after, 4u);
  EXPECT_EQ(fault_settings::from_control("corrupt", std::nullopt)->corrupt_every, 1u);
  EXPECT_EQ(fault_settings::from_control("close-mid-frame", 2)->close_mid_frame_after, 2u);
  EXPECT_FALSE(fault_settings::from_control("explode", std::nullopt));
  fault_settings f;
  f.stop_after = 3;
  f.corrupt_every = 2;
  EXPECT_EQ(f.describe(), "stop-after=3 corrupt-every=2");
}

TEST(StreamGate, OneStreamsTheOthersWaitInOrder) {
  stream_gate g;
  const auto a = g.enqueue(), b = g.enqueue(), c = g.enqueue();
  EXPECT_FALSE(g.try_enter(b));  // not first in line
  EXPECT_TRUE(g.try_enter(a));
  EXPECT_TRUE(g.busy());
  EXPECT_EQ(g.waiting(), 2u);
  EXPECT_FALSE(g.try_enter(b));  // a streams
  g.leave(b);                    // b gives up while waiting
  EXPECT_EQ(g.waiting(), 1u);
  g.leave(a);
  EXPECT_FALSE(g.busy());
  EXPECT_TRUE(g.try_enter(c));
  EXPECT_EQ(g.waiting(), 0u);
}
