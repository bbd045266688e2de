#include "access/end_reason.hpp"

#include <gtest/gtest.h>

#include "access/manual_clock.hpp"
#include "access/resource.hpp"
#include "access/system_clock_source.hpp"

using namespace camgate::access;

TEST(end_reason, Names) {
  EXPECT_EQ(to_string(end_reason::viewer_closed), "closed by viewer");
  EXPECT_EQ(to_string(end_reason::booking_ended), "booking ended");
  EXPECT_EQ(to_string(end_reason::token_expired), "token expired");
  EXPECT_EQ(to_string(end_reason::camera_removed), "camera removed");
  EXPECT_EQ(to_string(end_reason::gateway_stopping), "gateway stopping");
  EXPECT_EQ(to_string(end_reason::replaced), "replaced");
  EXPECT_EQ(to_string(end_reason::robot_removed), "robot removed");
  EXPECT_EQ(to_string(end_reason::user_removed), "user removed");
  EXPECT_EQ(to_string(end_reason::token_revoked), "token revoked");
}

TEST(end_reason, WebSocketCloseCodes) {
  EXPECT_EQ(websocket_close_code(end_reason::booking_ended), 4001);
  EXPECT_EQ(websocket_close_code(end_reason::token_expired), 4002);
  EXPECT_EQ(websocket_close_code(end_reason::camera_removed), 4004);
  EXPECT_EQ(websocket_close_code(end_reason::gateway_stopping), 1001);
  EXPECT_EQ(websocket_close_code(end_reason::viewer_closed), 1000);
  EXPECT_EQ(websocket_close_code(end_reason::replaced), 1000);
  EXPECT_EQ(websocket_close_code(end_reason::robot_removed), 4004);
  EXPECT_EQ(websocket_close_code(end_reason::user_removed), 4005);
  EXPECT_EQ(websocket_close_code(end_reason::token_revoked), 4006);
}

TEST(resource, KindNamesRoundTrip) {
  EXPECT_EQ(to_string(resource_kind::camera), "camera");
  EXPECT_EQ(to_string(resource_kind::robot), "robot");
  EXPECT_EQ(resource_kind_from_string("camera"), resource_kind::camera);
  EXPECT_EQ(resource_kind_from_string("robot"), resource_kind::robot);
  EXPECT_FALSE(resource_kind_from_string("Camera"));
  EXPECT_FALSE(resource_kind_from_string(""));
  EXPECT_EQ((resource{resource_kind::camera, 1}), (resource{resource_kind::camera, 1}));
  EXPECT_NE((resource{resource_kind::camera, 1}), (resource{resource_kind::robot, 1}));
}

TEST(clocks, ManualMovesOnlyWhenTold) {
  manual_clock c(5'000);
  EXPECT_EQ(c.now_ms(), 5'000);
  c.advance(250);
  EXPECT_EQ(c.now_ms(), 5'250);
  c.set_seconds(7);
  EXPECT_EQ(c.now_ms(), 7'000);
  c.set(1);
  EXPECT_EQ(c.now_ms(), 1);
}

TEST(clocks, SystemIsWallClockMilliseconds) {
  system_clock_source c;
  const auto now = c.now_ms();
  EXPECT_GT(now, 1'600'000'000'000);  // ms, not s
  EXPECT_LT(now, 4'000'000'000'000);  // not µs
}
