// The seed document's /streaming API, field by field, against the real gateway and a
// simulated ESP32 running the seed's own sketch (GET / and /capture only).
#include <gtest/gtest.h>

#include <ctime>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/jpeg_markers.hpp"
#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;

namespace {
std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class SeedApi : public ::testing::Test {
 protected:
  camsim cam{{"--no-stream"}};
  // The seed's users add their ESP32 themselves: let them on the camera's network.
  gateway gw{"allowed_networks = [\"127.0.0.0/8\"]\n"};
  std::string url() const { return "http://127.0.0.1:" + std::to_string(cam.port); }
  json setup() {
    auto r = gw.post("/streaming/setup-camera",
                     json{{"ip_address", "127.0.0.1"}, {"port", cam.port}}.dump(), gw.user_token());
    EXPECT_EQ(r.status, 200u) << r.body;
    auto j = json::parse(r.body);
    // A user watches only inside a booking: book alice for the next hour.
    gw.book("alice", j.at("camera_id").get<std::int64_t>(), now() - 5, now() + 3600);
    return j;
  }
  static std::int64_t now() { return std::time(nullptr); }
};
}  // namespace

TEST_F(SeedApi, SetupCameraAnswersExactlyAsTheSeedWrites) {
  auto j = setup();
  ASSERT_TRUE(j.at("success").is_boolean());
  EXPECT_EQ(j.at("success"), true);
  EXPECT_EQ(j.at("message"), "ESP32 camera connected successfully at " + url());
  EXPECT_EQ(j.at("camera_url"), url());
  EXPECT_EQ(j.at("stream_url"), url() + "/stream");
  EXPECT_EQ(j.at("snapshot_url"), url() + "/capture");
}

TEST_F(SeedApi, CameraStatusBeforeAndAfterSetup) {
  auto before = gw.get("/streaming/camera-status", gw.user_token());
  ASSERT_EQ(before.status, 200u);
  auto b = json::parse(before.body);
  EXPECT_EQ(b.at("success"), true);
  EXPECT_EQ(b.at("is_connected"), false);
  EXPECT_TRUE(b.at("camera_url").is_null());

  setup();
  json a;
  for (int i = 0; i < 40; ++i) {  // the first /capture poll arrives within a few 100 ms
    a = json::parse(gw.get("/streaming/camera-status", gw.user_token()).body);
    if (a.at("is_connected") == true) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(a.at("success"), true);
  EXPECT_EQ(a.at("is_connected"), true);
  EXPECT_EQ(a.at("camera_url"), url());
  EXPECT_EQ(a.at("stream_url"), url() + "/stream");
  EXPECT_EQ(a.at("snapshot_url"), url() + "/capture");
}

TEST_F(SeedApi, SnapshotIsTheCamerasJpeg) {
  setup();
  auto r = gw.get("/streaming/snapshot", gw.user_token());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type"), "image/jpeg");
  EXPECT_EQ(r.header("cache-control"), "no-store");
  ASSERT_TRUE(camgate::core::jpeg::complete_length(as_bytes(r.body)));
  auto info = camgate::core::jpeg::scan(as_bytes(r.body));
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 480);
  EXPECT_TRUE(info.capture_us.has_value()) << "camsim's capture stamp passes through untouched";
}

TEST_F(SeedApi, StreamIsMultipartMjpeg) {
  setup();
  mjpeg_reader reader(gw.port(), "/streaming/stream?access_token=" + gw.user_token());
  EXPECT_EQ(reader.status(), 200u);
  EXPECT_TRUE(reader.content_type().starts_with("multipart/x-mixed-replace; boundary="))
      << reader.content_type();
  for (int i = 0; i < 3; ++i) {
    auto f = reader.next_frame(std::chrono::seconds(5));
    ASSERT_TRUE(f) << "frame " << i;
    EXPECT_TRUE(camgate::core::jpeg::complete_length(as_bytes(*f)));
    EXPECT_EQ(reader.last_part_headers["content-type"], "image/jpeg");
    EXPECT_EQ(reader.last_part_headers["content-length"], std::to_string(f->size()));
  }
}

TEST_F(SeedApi, WsStreamSendsDataUrlTextMessages) {
  setup();
  ws_client ws(gw.port(), "/streaming/ws-stream?access_token=" + gw.user_token());
  ASSERT_TRUE(ws.handshake_ok()) << ws.handshake_status();
  bool binary = true;
  auto msg = ws.next_message(std::chrono::seconds(5), &binary);
  ASSERT_TRUE(msg);
  EXPECT_FALSE(binary);
  const std::string prefix = "data:image/jpeg;base64,";
  ASSERT_TRUE(msg->starts_with(prefix));
  auto jpeg = camgate::core::base64_decode(std::string_view(*msg).substr(prefix.size()));
  ASSERT_TRUE(jpeg);
  EXPECT_TRUE(camgate::core::jpeg::complete_length(*jpeg));
}

TEST_F(SeedApi, AnalyzeStreamReportsTheDecodedShape) {
  setup();
  auto r = gw.post("/streaming/analyze-stream", "", gw.user_token());
  ASSERT_EQ(r.status, 200u) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j.at("success"), true);
  EXPECT_EQ(j.at("message"), "Frame captured successfully");
  EXPECT_EQ(j.at("frame_size"), json::array({480, 640, 3}));
  ASSERT_TRUE(j.at("image_bytes_length").is_number_integer());
  EXPECT_GT(j.at("image_bytes_length").get<int>(), 1000);
  EXPECT_EQ(j.at("camera_url"), url());
}

TEST_F(SeedApi, DisconnectCameraUnselectsIt) {
  setup();
  auto r = gw.del("/streaming/disconnect-camera", gw.user_token());
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(json::parse(r.body).at("success"), true);
  auto snap = gw.get("/streaming/snapshot", gw.user_token());
  EXPECT_EQ(snap.status, 404u);
  auto j = json::parse(snap.body);
  EXPECT_EQ(j.at("success"), false);
  EXPECT_TRUE(j.at("error").get<std::string>().find("no camera selected") != std::string::npos);
  // The camera only setup-camera had brought in is gone with its last user.
  EXPECT_EQ(json::parse(gw.get("/api/cameras", gw.admin_token()).body).at("cameras").size(), 0u);
}

TEST_F(SeedApi, CameraIdQueryOverridesTheSelection) {
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  gw.book("alice", id, now() - 5, now() + 3600);
  auto r = gw.get("/streaming/snapshot?camera_id=" + std::to_string(id), gw.user_token());
  EXPECT_EQ(r.status, 200u) << r.body;
  auto missing = gw.get("/streaming/snapshot?camera_id=999", gw.user_token());
  EXPECT_EQ(missing.status, 404u);
}
