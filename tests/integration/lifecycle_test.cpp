// Viewers end cleanly when their camera is removed or the gateway stops.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <ctime>

#include "core/jpeg_markers.hpp"
#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;

TEST(Lifecycle, RemovingACameraClosesItsViewers) {
  camsim cam;
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  const auto base = "/api/cameras/" + std::to_string(id);
  mjpeg_reader mjpeg(gw.port(), base + "/stream?access_token=" + gw.admin_token());
  ws_client ws(gw.port(), base + "/ws?access_token=" + gw.admin_token());
  ASSERT_TRUE(mjpeg.next_frame(std::chrono::seconds(5)));
  ASSERT_TRUE(ws.next_message(std::chrono::seconds(5)));

  // A user who did not add the camera may not remove it.
  EXPECT_EQ(gw.del(base, gw.user_token()).status, 403u);
  ASSERT_EQ(gw.del(base, gw.admin_token()).status, 200u);

  // Both viewers see the end within a second (after frames already in flight).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (mjpeg.next_frame(std::chrono::milliseconds(200)))
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
  while (ws.next_message(std::chrono::milliseconds(200)))
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
  EXPECT_TRUE(ws.closed());
  EXPECT_EQ(ws.close_reason().reason, "camera removed");
  EXPECT_EQ(ws.close_reason().code, 4004);
  EXPECT_EQ(gw.get(base, gw.admin_token()).status, 404u);
  // And the upstream connection is released: the camera can serve someone else.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(json::parse(cam.stats()).at("active_stream_clients"), 0);
  // The reason reaches the audit as an end_reason, for both streams (written as each
  // stream closes: poll).
  json audit;
  for (int i = 0; i < 20; ++i) {
    audit = json::parse(
        gw.get("/api/audit?camera_id=" + std::to_string(id), gw.admin_token()).body)["entries"];
    if (audit.size() == 2 && !audit[0]["end_reason"].is_null() && !audit[1]["end_reason"].is_null())
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(audit.size(), 2u) << audit;
  for (const auto& e : audit) EXPECT_EQ(e["end_reason"], "camera removed") << e;
}

TEST(Lifecycle, BinaryWebSocketSendsOneJpegPerMessage) {
  camsim cam;
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  gw.book("alice", id, std::time(nullptr) - 5, std::time(nullptr) + 3600);
  ws_client ws(gw.port(), "/api/cameras/" + std::to_string(id) +
                              "/ws?format=binary&access_token=" + gw.user_token());
  ASSERT_TRUE(ws.handshake_ok());
  for (int i = 0; i < 3; ++i) {
    bool binary = false;
    auto m = ws.next_message(std::chrono::seconds(5), &binary);
    ASSERT_TRUE(m);
    EXPECT_TRUE(binary);
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(m->data()),
                                        m->size());
    EXPECT_TRUE(camgate::core::jpeg::complete_length(bytes));
  }
}

TEST(Lifecycle, WebSocketNeedsATokenToo) {
  camsim cam;
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  ws_client ws(gw.port(), "/api/cameras/" + std::to_string(id) + "/ws");
  EXPECT_FALSE(ws.handshake_ok());
  auto r = http_request(gw.port(), camgate::http::verb::get,
                        "/api/cameras/" + std::to_string(id) + "/ws", "",
                        {{"Upgrade", "websocket"},
                         {"Connection", "Upgrade"},
                         {"Sec-WebSocket-Version", "13"},
                         {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(json::parse(r.body).at("success"), false);
}

TEST(Lifecycle, SigtermStopsTheGatewayAndEndsStreams) {
  camsim cam;
  auto gw = std::make_unique<gateway>();
  const auto id = gw->add_camera(cam.port, gw->admin_token());
  mjpeg_reader mjpeg(gw->port(), "/api/cameras/" + std::to_string(id) +
                                     "/stream?access_token=" + gw->admin_token());
  ASSERT_TRUE(mjpeg.next_frame(std::chrono::seconds(5)));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(gw->stop(), 0) << "SIGTERM must exit cleanly (and without leaks under ASan)";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  while (mjpeg.next_frame(std::chrono::milliseconds(500))) {
  }
  SUCCEED();
}
