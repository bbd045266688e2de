#include "sources/camera_url.hpp"

#include <gtest/gtest.h>

using camgate::sources::parse_camera_url;

TEST(CameraUrl, ParsesFullUrls) {
  auto u = parse_camera_url("http://192.168.1.20:81/stream", "x", 1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "192.168.1.20");
  EXPECT_EQ(u->port, 81);
  EXPECT_EQ(u->path, "/stream");
  EXPECT_EQ(u->to_string(), "http://192.168.1.20:81/stream");
  EXPECT_EQ(u->host_header(), "192.168.1.20:81");

  u = parse_camera_url("HTTP://cam.local/capture?res=2#frag", "x", 1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "cam.local");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path, "/capture?res=2");
  EXPECT_EQ(u->host_header(), "cam.local");

  u = parse_camera_url("http://[::1]:8080", "x", 1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->to_string(), "http://[::1]:8080/");

  u = parse_camera_url("cam:8000/mjpg/video.mjpg", "x", 1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "cam");
  EXPECT_EQ(u->port, 8000);
  EXPECT_EQ(u->path, "/mjpg/video.mjpg");
}

TEST(CameraUrl, BarePathUsesTheDefaults) {
  auto u = parse_camera_url("/stream", "10.0.0.5", 81);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "10.0.0.5");
  EXPECT_EQ(u->port, 81);
  EXPECT_EQ(u->path, "/stream");
}

TEST(CameraUrl, RejectsWhatItCannotSpeak) {
  EXPECT_FALSE(parse_camera_url("", "h", 80));
  EXPECT_FALSE(parse_camera_url("https://cam/stream", "h", 80));
  EXPECT_FALSE(parse_camera_url("rtsp://cam/stream", "h", 80));
  EXPECT_FALSE(parse_camera_url("http://:80/stream", "h", 80));
  EXPECT_FALSE(parse_camera_url("http://cam:0/", "h", 80));
  EXPECT_FALSE(parse_camera_url("http://cam:70000/", "h", 80));
  EXPECT_FALSE(parse_camera_url("http://cam:8x/", "h", 80));
  EXPECT_FALSE(parse_camera_url("/stream", "", 80));
}
