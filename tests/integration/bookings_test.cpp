// Access bound to bookings, on every path, and streams that end on time.
#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;

namespace {
// Wall-clock seconds as the gateway reads them (time() uses a coarse clock that lags).
std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Bookings : public ::testing::Test {
 protected:
  camsim cam;
  gateway gw{"[access]\nwarn_before_s = 2\n"};
  std::int64_t id = gw.add_camera(cam.port, gw.admin_token());
  std::string base() const { return "/api/cameras/" + std::to_string(id); }
};

void expect_forbidden(const http_result& r, const std::string& reason) {
  EXPECT_EQ(r.status, 403u) << r.body;
  auto j = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j.value("success", true), false);
  EXPECT_NE(j.value("error", "").find(reason), std::string::npos) << r.body;
}
}  // namespace

TEST_F(Bookings, AUserWithoutABookingIsRefusedOnEveryPath) {
  const auto t = gw.user_token();
  const auto q = "?camera_id=" + std::to_string(id);
  expect_forbidden(gw.get(base() + "/snapshot", t), "no booking");
  expect_forbidden(gw.get(base() + "/stream", t), "no booking");
  expect_forbidden(gw.get(base() + "/ws", t), "no booking");
  expect_forbidden(gw.post(base() + "/analyze", "", t), "no booking");
  expect_forbidden(gw.get("/streaming/snapshot" + q, t), "no booking");
  expect_forbidden(gw.get("/streaming/stream" + q, t), "no booking");
  expect_forbidden(gw.get("/streaming/ws-stream" + q, t), "no booking");
  expect_forbidden(gw.post("/streaming/analyze-stream" + q, "", t), "no booking");
  // The admin needs none.
  EXPECT_EQ(gw.get(base() + "/snapshot", gw.admin_token()).status, 200u);
}

TEST_F(Bookings, BookingNotStartedAndEndedAreTold) {
  gw.book("alice", id, now() + 3600, now() + 7200);
  expect_forbidden(gw.get(base() + "/snapshot", gw.user_token()), "not started");
  // Another camera's booking grants nothing here.
  camsim other;
  const auto other_id = gw.add_camera(other.port, gw.admin_token());
  gw.book("alice", other_id, now() - 10, now() + 3600);
  expect_forbidden(gw.get(base() + "/snapshot", gw.user_token()), "not started");
  EXPECT_EQ(
      gw.get("/api/cameras/" + std::to_string(other_id) + "/snapshot", gw.user_token()).status,
      200u);
}

TEST_F(Bookings, StreamsAreCutWithin1sOfTheBookingEndButTheAdminsAreNot) {
  const auto ends = now() + 6;  // room for a slow (sanitizer) start before the end
  gw.book("alice", id, now() - 1, ends);
  mjpeg_reader user_mjpeg(gw.port(), base() + "/stream?access_token=" + gw.user_token());
  ws_client user_ws(gw.port(), base() + "/ws?format=binary&access_token=" + gw.user_token());
  mjpeg_reader admin_mjpeg(gw.port(), base() + "/stream?access_token=" + gw.admin_token());
  ASSERT_EQ(user_mjpeg.status(), 200u);
  ASSERT_TRUE(user_ws.handshake_ok());
  ASSERT_TRUE(user_mjpeg.next_frame(std::chrono::seconds(3)));

  // The WebSocket viewer is warned (warn_before_s = 2) before the end.
  bool warned = false;
  std::string last_text;
  while (auto m = user_ws.next_message(std::chrono::seconds(6))) {
    if (m->find("session-expiring") != std::string::npos) {
      warned = true;
      EXPECT_NE(m->find("\"ends_at\":" + std::to_string(ends)), std::string::npos) << *m;
    }
  }
  // The loop ends when the gateway closes the WebSocket.
  const auto ws_closed_at = now();
  EXPECT_TRUE(warned);
  EXPECT_TRUE(user_ws.closed());
  EXPECT_EQ(user_ws.close_reason().code, 4001);
  EXPECT_EQ(std::string(user_ws.close_reason().reason.c_str()), "booking ended");
  EXPECT_LE(ws_closed_at, ends + 1) << "cut later than 1 s after the end";
  EXPECT_GE(ws_closed_at, ends) << "cut before the end";

  // The MJPEG response ends too (frames in flight may still arrive first).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (user_mjpeg.next_frame(std::chrono::milliseconds(500)))
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the user's MJPEG stream was not cut";

  // The admin watching the same camera goes on.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(admin_mjpeg.next_frame(std::chrono::seconds(2)));

  // Refused from now on, and audited with the reason.
  expect_forbidden(gw.get(base() + "/snapshot", gw.user_token()), "booking ended");
  // The audit rows are closed right after the cut: give the writer a moment.
  json audit;
  for (int i = 0; i < 20; ++i) {
    audit = json::parse(gw.get("/api/audit?user_id=2", gw.admin_token()).body).at("entries");
    bool all_ended = true;
    for (const auto& e : audit) all_ended = all_ended && !e.at("end_reason").is_null();
    if (all_ended) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(audit.size(), 2u) << audit.dump();
  for (const auto& e : audit) EXPECT_EQ(e.at("end_reason"), "booking ended") << e.dump();
}

TEST_F(Bookings, ExtendingALiveBookingCutsNothingDeletingItCutsAtOnce) {
  const auto booking = gw.book("alice", id, now() - 1, now() + 2);
  ws_client ws(gw.port(), base() + "/ws?format=binary&access_token=" + gw.user_token());
  ASSERT_TRUE(ws.handshake_ok());
  auto r = http_request(gw.port(), camgate::http::verb::patch,
                        "/api/bookings/" + std::to_string(booking),
                        json{{"ends_at", now() + 60}}.dump(), bearer(gw.admin_token()));
  ASSERT_EQ(r.status, 200u) << r.body;
  // Keep reading past the original end: frames keep coming.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until)
    ASSERT_TRUE(ws.next_message(std::chrono::seconds(1)));
  EXPECT_FALSE(ws.closed()) << "the extended booking must not cut the stream";
  ASSERT_TRUE(ws.next_message(std::chrono::seconds(2)));

  ASSERT_EQ(gw.del("/api/bookings/" + std::to_string(booking), gw.admin_token()).status, 200u);
  const auto start = std::chrono::steady_clock::now();
  while (ws.next_message(std::chrono::seconds(2))) {
  }
  EXPECT_TRUE(ws.closed());
  EXPECT_EQ(ws.close_reason().code, 4001);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(Bookings, OverlappingBookingsAreMergedForAccess) {
  gw.book("alice", id, now() - 10, now() + 2);
  gw.book("alice", id, now() + 1, now() + 3600);
  ws_client ws(gw.port(), base() + "/ws?format=binary&access_token=" + gw.user_token());
  ASSERT_TRUE(ws.handshake_ok());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until)
    ASSERT_TRUE(ws.next_message(std::chrono::seconds(1)));
  EXPECT_FALSE(ws.closed());
}

TEST_F(Bookings, OnlyAdminsManageBookingsAndUsersSeeTheirOwn) {
  gw.book("alice", id, now() - 10, now() + 3600);
  gw.book("admin", id, now() - 10, now() + 3600);
  auto denied = gw.post("/api/bookings",
                        json{{"username", "alice"},
                             {"resource", "camera:" + std::to_string(id)},
                             {"starts_at", now()},
                             {"ends_at", now() + 10}}
                            .dump(),
                        gw.user_token());
  EXPECT_EQ(denied.status, 403u);
  auto mine = json::parse(gw.get("/api/bookings", gw.user_token()).body).at("bookings");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].at("resource"), "camera:" + std::to_string(id));
  EXPECT_EQ(json::parse(gw.get("/api/bookings", gw.admin_token()).body).at("bookings").size(), 2u);
  // Bad input: a 400 with a reason, nothing stored.
  auto bad = gw.post("/api/bookings",
                     json{{"username", "alice"},
                          {"resource", "camera:" + std::to_string(id)},
                          {"starts_at", now() + 10},
                          {"ends_at", now()}}
                         .dump(),
                     gw.admin_token());
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(json::parse(bad.body).at("success"), false);
  auto iso = gw.post("/api/bookings",
                     json{{"username", "alice"},
                          {"resource", "camera:999"},
                          {"starts_at", "2030-01-01T10:00:00Z"},
                          {"ends_at", "2030-01-01T11:00:00Z"}}
                         .dump(),
                     gw.admin_token());
  EXPECT_EQ(iso.status, 400u) << "camera 999 does not exist: " << iso.body;
}
