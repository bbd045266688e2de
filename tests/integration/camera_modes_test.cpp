// The firmwares the gateway must find and read: the stock CameraWebServer (stream on
// port+1, chunked, one client), the seed's sketch (capture only) and a generic camera
// with /stream on its own port.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/jpeg_markers.hpp"
#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;

namespace {
// Polls the camera until it is in `state` with frames flowing (fps measured).
json wait_for_state(gateway& gw, std::int64_t id, const std::string& state) {
  json cam;
  for (int i = 0; i < 50; ++i) {
    cam = json::parse(gw.get("/api/cameras/" + std::to_string(id), gw.admin_token()).body)
              .at("camera");
    if (cam.at("state") == state && cam.at("fps").get<double>() > 3.0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cam;
}
std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

TEST(CameraModes, StockFirmwareStreamIsFoundOnPortPlusOne) {
  camsim cam;
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  auto c = wait_for_state(gw, id, "streaming");
  EXPECT_EQ(c.at("state"), "streaming");
  EXPECT_EQ(c.at("mode"), "mjpeg");
  EXPECT_EQ(c.at("upstream_url"),
            "http://127.0.0.1:" + std::to_string(cam.stream_port) + "/stream");
  EXPECT_GT(c.at("fps").get<double>(), 20.0);
  EXPECT_EQ(c.at("width"), 640);
}

TEST(CameraModes, SeedSketchIsPolledOnCapture) {
  camsim cam({"--no-stream"});
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  auto c = wait_for_state(gw, id, "polling");
  EXPECT_EQ(c.at("state"), "polling");
  EXPECT_EQ(c.at("mode"), "capture");
  mjpeg_reader v(gw.port(),
                 "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.admin_token());
  for (int i = 0; i < 3; ++i) {
    auto f = v.next_frame(std::chrono::seconds(3));
    ASSERT_TRUE(f);
    EXPECT_TRUE(camgate::core::jpeg::complete_length(as_bytes(*f)));
  }
}

TEST(CameraModes, GenericCameraStreamsOnItsOwnPort) {
  camsim cam({"--stream-port", "same"});
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  auto c = wait_for_state(gw, id, "streaming");
  EXPECT_EQ(c.at("mode"), "mjpeg");
  EXPECT_EQ(c.at("upstream_url"), "http://127.0.0.1:" + std::to_string(cam.port) + "/stream");
}

TEST(CameraModes, CorruptFramesAreSkippedAndCounted) {
  camsim cam({"--corrupt-every", "3"});
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  mjpeg_reader v(gw.port(),
                 "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.admin_token());
  for (int i = 0; i < 20; ++i) {
    auto f = v.next_frame(std::chrono::seconds(3));
    ASSERT_TRUE(f);
    EXPECT_TRUE(camgate::core::jpeg::complete_length(as_bytes(*f)))
        << "a broken frame reached a viewer";
  }
  auto c =
      json::parse(gw.get("/api/cameras/" + std::to_string(id), gw.admin_token()).body).at("camera");
  EXPECT_GE(c.at("frames_dropped").get<int>(), 5);
  EXPECT_EQ(c.at("state"), "streaming");
}
