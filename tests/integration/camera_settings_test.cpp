// GET/PATCH /api/cameras/{id}/settings against camgate-camsim: the stock firmware's
// /status and /control through the gateway, and the seed's sketch that has neither.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/jpeg_markers.hpp"
#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;

namespace {

std::string settings_path(std::int64_t id) {
  return "/api/cameras/" + std::to_string(id) + "/settings";
}

// Polls snapshots until one is width x height; returns the last size seen.
std::pair<int, int> wait_for_size(gateway& gw, std::int64_t id, int width, int height) {
  std::pair<int, int> seen{0, 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(6);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto r = gw.get("/api/cameras/" + std::to_string(id) + "/snapshot", gw.admin_token());
    if (r.status == 200) {
      const auto info = camgate::core::jpeg::scan(
          {reinterpret_cast<const std::uint8_t*>(r.body.data()), r.body.size()});
      seen = {info.width, info.height};
      if (seen == std::pair{width, height}) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return seen;
}

std::int64_t add_camera_by_url(gateway& gw, const std::string& url) {
  auto r = gw.post("/api/cameras", json{{"url", url}}.dump(), gw.admin_token());
  if (r.status != 201) throw std::runtime_error("add camera failed: " + r.body);
  return json::parse(r.body).at("camera").at("id").get<std::int64_t>();
}

}  // namespace

TEST(CameraSettings, ViewersWithAccessReadTheFirmwaresStatus) {
  camsim cam;
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  const auto r = gw.get(settings_path(id), gw.admin_token());
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = json::parse(r.body);
  EXPECT_EQ(body.at("success"), true);
  EXPECT_EQ(body.at("camera_id"), id);
  EXPECT_EQ(body.at("settings").at("framesize"), 8);  // camsim runs at 640x480
  EXPECT_TRUE(body.at("settings").contains("vflip"));
  EXPECT_EQ(body.at("framesize_name"), "VGA");
  EXPECT_EQ(body.at("control_port"), cam.port);

  // A user without a booking may not watch the camera, so not read its settings either.
  const auto user = gw.get(settings_path(id), gw.user_token());
  EXPECT_EQ(user.status, 403) << user.body;
  EXPECT_EQ(json::parse(user.body).at("success"), false);
  const auto now = std::time(nullptr);
  gw.book("alice", id, now - 60, now + 3600);
  EXPECT_EQ(gw.get(settings_path(id), gw.user_token()).status, 200);

  EXPECT_EQ(gw.get(settings_path(999), gw.admin_token()).status, 404);
  EXPECT_EQ(gw.get("/api/cameras/x/settings", gw.admin_token()).status, 400);
}

TEST(CameraSettings, AdminsChangeTheFramesizeAndViewersGetTheNewSize) {
  camsim cam;
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  ASSERT_EQ(wait_for_size(gw, id, 640, 480), (std::pair{640, 480}));

  const auto user = gw.patch(settings_path(id), R"({"framesize":"QVGA"})", gw.user_token());
  EXPECT_EQ(user.status, 403) << user.body;
  EXPECT_EQ(json::parse(user.body).at("error"), "only an admin may change a camera's settings");

  auto bad = gw.patch(settings_path(id), R"({"framesize":"QVGA","quality":70})", gw.admin_token());
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(json::parse(bad.body).at("error"), "quality must be an integer from 4 to 63");
  bad = gw.patch(settings_path(id), R"({"zoom":2})", gw.admin_token());
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(json::parse(bad.body).at("error").get<std::string>().rfind("unknown setting 'zoom'", 0),
            0u);
  EXPECT_EQ(gw.patch(settings_path(id), "[1]", gw.admin_token()).status, 400);
  // Nothing reached the camera.
  EXPECT_EQ(json::parse(gw.get(settings_path(id), gw.admin_token()).body)["settings"]["framesize"],
            8);

  auto r = gw.patch(settings_path(id), R"({"quality":20,"framesize":"QVGA","vflip":true})",
                    gw.admin_token());
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body.at("changed"), (json{{"framesize", 5}, {"quality", 20}, {"vflip", 1}}));
  EXPECT_EQ(body.at("settings").at("framesize"), 5);
  EXPECT_EQ(body.at("settings").at("quality"), 20);
  EXPECT_EQ(body.at("settings").at("vflip"), 1);
  EXPECT_EQ(body.at("framesize_name"), "QVGA");
  EXPECT_EQ(wait_for_size(gw, id, 320, 240), (std::pair{320, 240}));

  r = gw.patch(settings_path(id), R"({"framesize":"VGA"})", gw.admin_token());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("framesize_name"), "VGA");
  EXPECT_EQ(wait_for_size(gw, id, 640, 480), (std::pair{640, 480}));

  // Both changes are in the audit log, with who made them and what they were.
  const auto audit =
      json::parse(gw.get("/api/audit?protocol=camera-settings&camera_id=" + std::to_string(id),
                         gw.admin_token())
                      .body);
  const auto& entries = audit.at("entries");
  ASSERT_EQ(entries.size(), 2u) << audit.dump();
  EXPECT_EQ(entries[0].at("user_name"), "admin");
  EXPECT_EQ(entries[0].at("resource"), "camera:" + std::to_string(id));
  EXPECT_EQ(json::parse(entries[0].at("end_reason").get<std::string>()), (json{{"framesize", 8}}));
  EXPECT_EQ(json::parse(entries[1].at("end_reason").get<std::string>()),
            (json{{"framesize", 5}, {"quality", 20}, {"vflip", 1}}));
}

TEST(CameraSettings, ACameraAddedByItsStreamUrlHasItsControlOnePortBelow) {
  camsim cam;
  gateway gw;
  const auto id =
      add_camera_by_url(gw, "http://127.0.0.1:" + std::to_string(cam.stream_port) + "/stream");
  const auto r = gw.get(settings_path(id), gw.admin_token());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("control_port"), cam.port);
  const auto p = gw.patch(settings_path(id), R"({"framesize":"QVGA"})", gw.admin_token());
  EXPECT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(wait_for_size(gw, id, 320, 240), (std::pair{320, 240}));
}

TEST(CameraSettings, TheSeedSketchHasNoControl) {
  camsim cam({"--no-stream"});
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  const std::string why = "camera " + std::to_string(id) +
                          " has no /control (the seed's sketch): its settings cannot be read or "
                          "changed";
  const auto r = gw.get(settings_path(id), gw.admin_token());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json::parse(r.body), (json{{"success", false}, {"error", why}}));
  const auto p = gw.patch(settings_path(id), R"({"quality":10})", gw.admin_token());
  EXPECT_EQ(p.status, 409) << p.body;
  EXPECT_EQ(json::parse(p.body).at("error"), why);
}

TEST(CameraSettings, AnUnreachableCameraIs502) {
  std::uint16_t port = 0;
  {
    camsim gone;  // a port that was free a moment ago
    port = gone.port;
  }
  gateway gw;
  const auto id = gw.add_camera(port, gw.admin_token());
  const auto r = gw.get(settings_path(id), gw.admin_token());
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(
      json::parse(r.body).at("error").get<std::string>().rfind(
          "camera " + std::to_string(id) + " is unreachable: cannot connect to 127.0.0.1:", 0),
      0u)
      << r.body;
}
