// One upstream connection per camera, whatever the number of viewers.
#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/jpeg_markers.hpp"
#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;

TEST(Fanout, FiftyViewersShareOneUpstreamConnection) {
  camsim cam;  // stock firmware: /stream on port+1, one stream client at a time
  // One user opens every viewer here: no per-user stream cap.
  gateway gw{"[limits]\nstreams_per_user = 0\n"};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  gw.book("alice", id, std::time(nullptr) - 5, std::time(nullptr) + 3600);
  const auto target =
      "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.user_token();

  std::vector<std::unique_ptr<mjpeg_reader>> viewers;
  for (int i = 0; i < 50; ++i) viewers.push_back(std::make_unique<mjpeg_reader>(gw.port(), target));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (auto& v : viewers) {
    threads.emplace_back([&v, &ok] {
      std::uint64_t last_seq = 0;
      for (int f = 0; f < 5; ++f) {
        auto frame = v->next_frame(std::chrono::seconds(10));
        if (!frame) return;
        auto seq = std::stoull(v->last_part_headers["x-frame-seq"]);
        if (seq <= last_seq) return;  // frames must move forward
        last_seq = seq;
      }
      ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 50);

  auto stats = json::parse(cam.stats());
  EXPECT_EQ(stats.at("stream_connections_total"), 1) << stats.dump();
  EXPECT_EQ(stats.at("active_stream_clients"), 1) << stats.dump();
  EXPECT_EQ(stats.at("waiting_stream_clients"), 0) << stats.dump();

  auto camera = json::parse(gw.get("/api/cameras/" + std::to_string(id), gw.admin_token()).body);
  EXPECT_EQ(camera.at("camera").at("viewers"), 50);
  EXPECT_EQ(camera.at("camera").at("mode"), "mjpeg");
}

TEST(Fanout, AStalledViewerDoesNotSlowAnother) {
  camsim cam;
  // One user opens every viewer here: no per-user stream cap.
  gateway gw{"[limits]\nstreams_per_user = 0\n"};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  const auto target =
      "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.admin_token();
  mjpeg_reader stalled(gw.port(), target);  // never reads
  mjpeg_reader fast(gw.port(), target);
  ASSERT_TRUE(fast.next_frame(std::chrono::seconds(5)));
  const auto start = std::chrono::steady_clock::now();
  int frames = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(2))
    if (fast.next_frame(std::chrono::seconds(2))) ++frames;
  // camsim sends 30 fps: the fast viewer keeps (nearly) all of them.
  EXPECT_GE(frames, 45);
}

TEST(Fanout, MetricsCountViewersAndBytes) {
  camsim cam;
  // One user opens every viewer here: no per-user stream cap.
  gateway gw{"[limits]\nstreams_per_user = 0\n"};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  mjpeg_reader v(gw.port(),
                 "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.admin_token());
  ASSERT_TRUE(v.next_frame(std::chrono::seconds(5)));
  ASSERT_TRUE(v.next_frame(std::chrono::seconds(5)));
  auto m = gw.get("/metrics", gw.admin_token());
  ASSERT_EQ(m.status, 200u);
  const auto label = "{camera=\"" + std::to_string(id) + "\"}";
  EXPECT_NE(m.body.find("camgate_camera_viewers" + label + " 1"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("camgate_camera_up" + label + " 1"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("# TYPE camgate_camera_bytes_out_total counter"), std::string::npos);
}
