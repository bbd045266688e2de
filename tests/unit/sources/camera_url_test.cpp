#include "sources/camera_url.hpp"

#include <gtest/gtest.h>

#include <string>

using camgate::sources::camera_host;
using camgate::sources::camera_url;
using camgate::sources::parse_camera_host;
using camgate::sources::parse_camera_url;

namespace {

std::optional<camera_url> url(std::string_view text) {
  auto r = parse_camera_url(text);
  if (auto* u = std::get_if<camera_url>(&r)) return *u;
  return std::nullopt;
}

std::string url_error(std::string_view text) {
  auto r = parse_camera_url(text);
  if (auto* e = std::get_if<std::string>(&r)) return *e;
  return "";
}

std::optional<camera_host> host(std::string_view text) {
  auto r = parse_camera_host(text);
  if (auto* h = std::get_if<camera_host>(&r)) return *h;
  return std::nullopt;
}

}  // namespace

TEST(CameraUrl, ParsesFullUrls) {
  auto u = parse_camera_url("http://192.168.1.20:81/stream", "x", 1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "192.168.1.20");
  EXPECT_EQ(u->port, 81);
  EXPECT_EQ(u->path, "/stream");
  EXPECT_EQ(u->to_string(), "http://192.168.1.20:81/stream");
  EXPECT_EQ(u->host_header(), "192.168.1.20:81");

  u = parse_camera_url("HTTP://Cam.Local/capture?res=2#frag", "x", 1);
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

  u = parse_camera_url("http://cam/a%20b;x=1?q=a/b&c=d:e@f", "x", 1);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->path, "/a%20b;x=1?q=a/b&c=d:e@f");
  EXPECT_EQ(url("http://cam?x=1")->path, "/?x=1");
}

TEST(CameraUrl, BarePathUsesTheDefaults) {
  auto u = parse_camera_url("/stream", "10.0.0.5", 81);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "10.0.0.5");
  EXPECT_EQ(u->port, 81);
  EXPECT_EQ(u->path, "/stream");
  EXPECT_FALSE(parse_camera_url("/a b", "10.0.0.5", 81));
}

TEST(CameraUrl, RejectsWhatItCannotSpeak) {
  EXPECT_FALSE(parse_camera_url("", "h", 80));
  EXPECT_FALSE(parse_camera_url("https://cam/stream", "h", 80));  // parsed, not spoken
  EXPECT_FALSE(parse_camera_url("rtsp://cam/stream", "h", 80));
  EXPECT_FALSE(parse_camera_url("http://:80/stream", "h", 80));
  EXPECT_FALSE(parse_camera_url("http://cam:0/", "h", 80));
  EXPECT_FALSE(parse_camera_url("http://cam:70000/", "h", 80));
  EXPECT_FALSE(parse_camera_url("http://cam:8x/", "h", 80));
  EXPECT_FALSE(parse_camera_url("/stream", "", 80));
}

TEST(CameraUrl, HttpsIsParsedSoItCanBeRefusedByName) {
  auto u = url("https://cam.example/stream");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(url_error("ftp://cam/"), "the camera URL must start with http://");
}

TEST(CameraUrl, RefusesRequestSmuggling) {
  // The finding: CR LF in the path became a second request on the camera connection.
  EXPECT_FALSE(url("http://127.0.0.1:8081/ok HTTP/1.1\r\nHost: internal\r\n\r\nPOST /admin"));
  EXPECT_FALSE(url("http://127.0.0.1/ok\r\n"));
  EXPECT_FALSE(url("http://127.0.0.1/ok\n"));
  EXPECT_FALSE(url("http://127.0.0.1/o k"));
  EXPECT_FALSE(url("http://127.0.0.1/ok\t"));
  EXPECT_FALSE(url(std::string("http://127.0.0.1/o\0k", 19)));
  EXPECT_FALSE(url("http://127.0.0.1/\x7f"));
  EXPECT_FALSE(url("http://127.0.0.1/caf\xc3\xa9"));
  EXPECT_FALSE(url("http://cam\r\n.local/"));
  EXPECT_FALSE(url("http://127.0.0.1/a\"b"));
  EXPECT_FALSE(url("http://127.0.0.1/a<b>"));
  EXPECT_FALSE(url("http://127.0.0.1/a\\b"));
  EXPECT_FALSE(url("http://127.0.0.1/%zz"));
  EXPECT_FALSE(url("http://127.0.0.1/%4"));
  EXPECT_NE(url_error("http://127.0.0.1/o k").find("space"), std::string::npos);
}

TEST(CameraUrl, RefusesCredentialsAndOddPorts) {
  EXPECT_NE(url_error("http://user:pass@cam/").find("credentials"), std::string::npos);
  EXPECT_FALSE(url("http://@cam/"));
  EXPECT_FALSE(url("http://cam:/"));
  EXPECT_FALSE(url("http://cam:+80/"));
  EXPECT_FALSE(url("http://cam:080080/"));
  EXPECT_FALSE(url("http://cam:80:81/"));
}

TEST(CameraUrl, Ipv4OnlyAsDottedQuad) {
  EXPECT_TRUE(url("http://10.0.0.1/"));
  EXPECT_TRUE(url("http://255.255.255.255/"));
  for (const char* h :
       {"0", "2130706433", "0x7f000001", "0x7f.1", "127.1", "127.0.1", "0177.0.0.1", "127.0.0.01",
        "256.0.0.1", "1.2.3.4.5", "1.2.3.4.", "0x7F.0.0.1", "1.2.3.0x4", "0x"}) {
    EXPECT_FALSE(url(std::string("http://") + h + "/")) << h;
    EXPECT_FALSE(host(h)) << h;
  }
  EXPECT_NE(url_error("http://2130706433/").find("four decimal numbers"), std::string::npos);
}

TEST(CameraUrl, Ipv6BracketedExactlyOnce) {
  EXPECT_EQ(url("http://[fe80::1]:81/stream")->host, "fe80::1");
  EXPECT_EQ(url("http://[::ffff:127.0.0.1]/")->host, "::ffff:127.0.0.1");
  EXPECT_FALSE(url("http://[[::1]]/"));
  EXPECT_FALSE(url("http://[::1]]/"));
  EXPECT_FALSE(url("http://[::1/"));
  EXPECT_FALSE(url("http://::1/"));
  EXPECT_FALSE(url("http://[fe80::1%25eth0]/"));
  EXPECT_FALSE(url("http://[1:2:3:4:5:6:7:8:9]/"));
  EXPECT_FALSE(url("http://[1::2::3]/"));
  EXPECT_FALSE(url("http://[cam.local]/"));
  EXPECT_FALSE(url("http://[]/"));
}

TEST(CameraUrl, HostFieldTakesBareAndBracketedIpv6Once) {
  // The finding: "[::1]" became http://[[::1]].
  auto h = host("[::1]");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "::1");
  EXPECT_EQ(h->type, camera_host::kind::ipv6);
  EXPECT_EQ(host("::1")->host, "::1");
  EXPECT_EQ((camera_url{host("[::1]")->host, 80, "/"}.to_string()), "http://[::1]:80/");
  EXPECT_FALSE(host("[[::1]]"));
  EXPECT_EQ(host("192.168.1.100")->type, camera_host::kind::ipv4);
  EXPECT_EQ(host("ESP32-Cam.local")->host, "esp32-cam.local");
  EXPECT_EQ(host("ESP32-Cam.local")->type, camera_host::kind::name);
  for (const char* bad : {"", "a b", "a/b", "cam:80", "-cam", "cam-", "a..b", "a_b", "cam@x",
                          "1.2.3.4:80", "[::1]:80"})
    EXPECT_FALSE(host(bad)) << bad;
  EXPECT_FALSE(host(std::string(254, 'a')));
}

TEST(CameraUrl, AtMost2048Bytes) {
  const std::string base = "http://cam/";
  EXPECT_TRUE(url(base + std::string(2048 - base.size(), 'a')));
  EXPECT_FALSE(url(base + std::string(2049 - base.size(), 'a')));
}
