// The upstream comes back by itself; viewers stay connected and get frames again.
#include <gtest/gtest.h>

#include <signal.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;

namespace {
std::uint16_t unused_port_pair() {
  // A port P with P+1 free too (camsim's stock mode needs both).
  for (int attempt = 0; attempt < 50; ++attempt) {
    camgate::asio::io_context ioc;
    camgate::tcp::acceptor a(
        ioc, camgate::tcp::endpoint(camgate::asio::ip::make_address("127.0.0.1"), 0));
    const auto p = a.local_endpoint().port();
    camgate::error_code ec;
    camgate::tcp::acceptor b(ioc);
    b.open(camgate::tcp::v4());
    b.bind(camgate::tcp::endpoint(camgate::asio::ip::make_address("127.0.0.1"), p + 1), ec);
    if (!ec && p < 65535) return p;
  }
  throw std::runtime_error("no free port pair");
}
}  // namespace

TEST(Reconnect, ViewersGetFramesAgainWithin2sOfACameraRestart) {
  auto cam = std::make_unique<camsim>();
  const auto port = cam->port;
  gateway gw;
  const auto id = gw.add_camera(port, gw.admin_token());
  const auto base = "/api/cameras/" + std::to_string(id);
  mjpeg_reader mjpeg(gw.port(), base + "/stream?access_token=" + gw.admin_token());
  ws_client ws(gw.port(), base + "/ws?format=binary&access_token=" + gw.admin_token());
  ASSERT_TRUE(ws.handshake_ok());
  ASSERT_TRUE(mjpeg.next_frame(std::chrono::seconds(5)));
  ASSERT_TRUE(ws.next_message(std::chrono::seconds(5)));

  cam->process->signal(SIGKILL);
  cam->process->wait();
  cam.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  // Drain what was in flight before the kill.
  while (mjpeg.next_frame(std::chrono::milliseconds(100))) {
  }
  while (ws.next_message(std::chrono::milliseconds(100))) {
  }

  cam = std::make_unique<camsim>(std::vector<std::string>{}, port);
  const auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(mjpeg.next_frame(std::chrono::seconds(2))) << "MJPEG viewer got no frame within 2 s";
  ASSERT_TRUE(ws.next_message(std::chrono::seconds(2)))
      << "WebSocket viewer got no frame within 2 s";
  const auto took = std::chrono::steady_clock::now() - restarted;
  EXPECT_LT(took, std::chrono::seconds(2));

  auto c = json::parse(gw.get(base, gw.admin_token()).body).at("camera");
  EXPECT_GE(c.at("reconnects").get<int>(), 1);
  EXPECT_EQ(c.at("viewers"), 2);
}

TEST(Reconnect, ACameraThatIsDownAtFirstIsPickedUpWhenItStarts) {
  const auto port = unused_port_pair();
  gateway gw;
  const auto id = gw.add_camera(port, gw.admin_token());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto c =
      json::parse(gw.get("/api/cameras/" + std::to_string(id), gw.admin_token()).body).at("camera");
  EXPECT_TRUE(c.at("state") == "offline" || c.at("state") == "connecting") << c.dump();

  camsim cam({}, port);
  mjpeg_reader v(gw.port(),
                 "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.admin_token());
  EXPECT_TRUE(v.next_frame(std::chrono::seconds(3)));
}

TEST(Reconnect, AStalledCameraIsReconnected) {
  camsim cam({"--stall-after", "10"});
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  mjpeg_reader v(gw.port(),
                 "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.admin_token());
  // 10 frames, a stall, a reconnect (stall_timeout 1.5 s in the fixture), 10 more.
  int frames = 0;
  const auto start = std::chrono::steady_clock::now();
  while (frames < 15 && std::chrono::steady_clock::now() - start < std::chrono::seconds(8))
    if (v.next_frame(std::chrono::seconds(1))) ++frames;
  EXPECT_GE(frames, 15);
  auto stats = json::parse(cam.stats());
  EXPECT_GE(stats.at("stream_connections_total").get<int>(), 2);
  EXPECT_LE(stats.at("active_stream_clients").get<int>(), 1) << "never two upstream connections";
}
