// Cameras over WebRTC through WHEP: the real gateway and camsim, a webrtcbin viewer.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/gateway_fixture.hpp"
#include "webrtc_receiver.hpp"  // tests/unit/media

using namespace camgate::testing;
using camgate::media::testing::webrtc_receiver;
using json = nlohmann::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

namespace {

constexpr const char* webrtc_config =
    "[limits]\nstreams_per_user = 0\n[webrtc]\nlocal_addresses = [\"127.0.0.1\"]\n"
    "encoder_linger_s = 1\n";

std::map<std::string, std::string> sdp_headers(const std::string& token,
                                               const std::string& type = "application/sdp") {
  auto h = bearer(token);
  h["Content-Type"] = type;
  return h;
}

// A WHEP viewer: offer by POST, answer from the 201, our candidates by PATCH.
struct whep_viewer {
  std::unique_ptr<webrtc_receiver> rx;
  http_result answer;
  std::string location;

  whep_viewer(gateway& gw, std::int64_t camera, const std::string& token,
              std::vector<std::string> codecs = {"H264"}) {
    webrtc_receiver::options o;
    o.codecs = std::move(codecs);
    rx = std::make_unique<webrtc_receiver>(o, nullptr);
    const auto offer = rx->create_offer();
    answer =
        http_request(gw.port(), http::verb::post,
                     "/api/cameras/" + std::to_string(camera) + "/whep", offer, sdp_headers(token));
    if (answer.status != 201) return;
    location = answer.header("location");
    rx->set_answer(answer.body);
    patch_status = http_request(gw.port(), http::verb::patch, location, rx->trickle_fragment(offer),
                                sdp_headers(token, "application/trickle-ice-sdpfrag"))
                       .status;
  }
  unsigned patch_status = 0;
};

std::int64_t now_s() {
  return std::time(nullptr);
}

long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

}  // namespace

TEST(Whep, ACameraPlaysOverWebRtcWithOneUpstreamAndOneEncoder) {
  camsim cam;
  gateway gw{webrtc_config};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  gw.book("alice", id, now_s() - 5, now_s() + 3600);

  whep_viewer a(gw, id, gw.admin_token());
  ASSERT_EQ(a.answer.status, 201u) << a.answer.body;
  EXPECT_EQ(a.answer.header("content-type"), "application/sdp");
  EXPECT_TRUE(a.location.starts_with("/api/cameras/" + std::to_string(id) + "/whep/"))
      << a.location;
  EXPECT_NE(a.answer.body.find("a=candidate:"), std::string::npos)
      << "the answer carries the gateway's candidates: " << a.answer.body;
  EXPECT_EQ(a.patch_status, 204u);
  whep_viewer b(gw, id, gw.user_token(), {"VP8"});  // a booked user, another codec
  ASSERT_EQ(b.answer.status, 201u) << b.answer.body;
  mjpeg_reader mjpeg(
      gw.port(), "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.user_token());

  ASSERT_TRUE(a.rx->wait_frames(30, 15s)) << "H.264 viewer got " << a.rx->frames_decoded();
  ASSERT_TRUE(b.rx->wait_frames(30, 15s)) << "VP8 viewer got " << b.rx->frames_decoded();
  EXPECT_TRUE(mjpeg.next_frame(5s).has_value());
  EXPECT_EQ(a.rx->decoded_codec(), "H264");
  EXPECT_EQ(b.rx->decoded_codec(), "VP8");
  EXPECT_EQ(a.rx->width(), 640);  // camsim's size, not rescaled
  EXPECT_EQ(a.rx->height(), 480);
  auto stats = json::parse(cam.stats());
  EXPECT_EQ(stats.at("stream_connections_total"), 1) << stats.dump();
  auto camera = json::parse(gw.get("/api/cameras/" + std::to_string(id), gw.admin_token()).body);
  EXPECT_EQ(camera.at("camera").at("viewers"), 3) << "two WebRTC viewers and one MJPEG";
  const auto metrics = gw.get("/metrics", gw.admin_token()).body;
  EXPECT_NE(metrics.find("camgate_webrtc_sessions 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("camgate_webrtc_encoders 1"), std::string::npos) << metrics;

  // DELETE ends one session; the other keeps playing.
  auto del = http_request(gw.port(), http::verb::delete_, a.location, "", bearer(gw.admin_token()));
  EXPECT_EQ(del.status, 200u) << del.body;
  // 10 more frames (a third of a second at 30 fps); up to 3 s on a loaded host.
  const auto before = b.rx->frames_decoded();
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (b.rx->frames_decoded() <= before + 10 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  EXPECT_GT(b.rx->frames_decoded(), before + 10);
  del = http_request(gw.port(), http::verb::delete_, a.location, "", bearer(gw.admin_token()));
  EXPECT_EQ(del.status, 404u) << "a session ends once";
}

TEST(Whep, TheBookingEndCutsTheWebRtcViewerWithinASecond) {
  camsim cam;
  gateway gw{webrtc_config};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  const auto end = now_s() + 4;
  gw.book("alice", id, now_s() - 5, end);
  whep_viewer v(gw, id, gw.user_token());
  ASSERT_EQ(v.answer.status, 201u) << v.answer.body;
  ASSERT_TRUE(v.rx->wait_frames(10, 10s));
  while (now_s() < end) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(1s);
  const auto after_cut = v.rx->frames_decoded();
  std::this_thread::sleep_for(1s);
  EXPECT_LE(v.rx->frames_decoded(), after_cut + 1) << "frames still arrive after the booking";
  // The session is gone, and a new one is refused.
  auto patch = http_request(gw.port(), http::verb::patch, v.location, "a=end-of-candidates\r\n",
                            sdp_headers(gw.user_token(), "application/trickle-ice-sdpfrag"));
  EXPECT_EQ(patch.status, 404u) << patch.body;
  whep_viewer late(gw, id, gw.user_token());
  EXPECT_EQ(late.answer.status, 403u) << late.answer.body;
  auto audit = json::parse(gw.get("/api/audit?limit=20", gw.admin_token()).body);
  EXPECT_NE(audit.dump().find("webrtc"), std::string::npos) << audit.dump();
}

TEST(Whep, BadInputGetsAClearError) {
  camsim cam;
  gateway gw{webrtc_config};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  const auto path = "/api/cameras/" + std::to_string(id) + "/whep";
  auto expect_error = [](const http_result& r, unsigned status, const std::string& words) {
    EXPECT_EQ(r.status, status) << r.body;
    auto body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.value("success", true), false);
    EXPECT_NE(body.value("error", "").find(words), std::string::npos) << r.body;
  };
  const auto admin = gw.admin_token();
  expect_error(http_request(gw.port(), http::verb::post, path, "hello", sdp_headers(admin)), 400,
               "v=0");
  expect_error(http_request(gw.port(), http::verb::post, path,
                            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 "
                            "UDP/TLS/RTP/SAVPF 111\r\n",
                            sdp_headers(admin)),
               400, "video");
  expect_error(http_request(gw.port(), http::verb::post, path, "v=0\r\nm=video\r\n\x01\r\n",
                            sdp_headers(admin)),
               400, "printable");
  expect_error(
      http_request(gw.port(), http::verb::post, path, "v=0\r\n", sdp_headers(admin, "text/plain")),
      415, "application/sdp");
  expect_error(
      http_request(gw.port(), http::verb::post, path, "v=0\r\n", sdp_headers("not-a-token")), 401,
      "");
  expect_error(
      http_request(gw.port(), http::verb::post, path, "v=0\r\n", sdp_headers(gw.user_token())), 403,
      "booking");
  expect_error(
      http_request(gw.port(), http::verb::patch, path + "/nosuchsession", "a=end-of-candidates\r\n",
                   sdp_headers(admin, "application/trickle-ice-sdpfrag")),
      404, "session");
  expect_error(
      http_request(gw.port(), http::verb::delete_, path + "/nosuchsession", "", bearer(admin)), 404,
      "session");
  expect_error(http_request(gw.port(), http::verb::post, "/api/cameras/999/whep", "v=0\r\n",
                            sdp_headers(admin)),
               404, "");
  // A session answers bad trickle fragments with 400, and another user gets 404.
  whep_viewer v(gw, id, admin);
  ASSERT_EQ(v.answer.status, 201u) << v.answer.body;
  expect_error(http_request(gw.port(), http::verb::patch, v.location, "a=candidate:junk\r\n",
                            sdp_headers(admin, "application/trickle-ice-sdpfrag")),
               400, "candidate");
  expect_error(
      http_request(gw.port(), http::verb::patch, v.location, "a=ice-ufrag:other\r\na=ice-pwd:x\r\n",
                   sdp_headers(admin, "application/trickle-ice-sdpfrag")),
      422, "ICE restart");
  gw.book("alice", id, now_s() - 5, now_s() + 3600);
  expect_error(
      http_request(gw.port(), http::verb::delete_, v.location, "", bearer(gw.user_token())), 404,
      "session");
  auto options = http_request(gw.port(), http::verb::options, path);
  EXPECT_EQ(options.status, 204u);
  EXPECT_EQ(options.header("accept-post"), "application/sdp");
}

TEST(Whep, HundredJoinLeaveCyclesLeaveTheGatewayFlat) {
  camsim cam;
  gateway gw{webrtc_config};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  auto cycle = [&](bool wait_frame) {
    whep_viewer v(gw, id, gw.admin_token());
    ASSERT_EQ(v.answer.status, 201u) << v.answer.body;
    if (wait_frame) ASSERT_TRUE(v.rx->wait_frames(1, 10s));
    auto del =
        http_request(gw.port(), http::verb::delete_, v.location, "", bearer(gw.admin_token()));
    ASSERT_EQ(del.status, 200u) << del.body;
  };
  for (int i = 0; i < 10; ++i) cycle(true);  // warm: encoder, DTLS, allocator pools
  const long before = rss_kib(gw.pid());
  for (int i = 0; i < 100; ++i) cycle(i % 10 == 0);
  std::this_thread::sleep_for(500ms);
  const long after = rss_kib(gw.pid());
  std::printf("[ perf ] gateway RSS %ld KiB before, %ld KiB after 100 WHEP join/leave cycles\n",
              before, after);
  EXPECT_LT(after - before, 16 * 1024) << "RSS grew by " << (after - before) << " KiB";
  // Every session ended: a new viewer still plays.
  whep_viewer last(gw, id, gw.admin_token());
  ASSERT_EQ(last.answer.status, 201u);
  EXPECT_TRUE(last.rx->wait_frames(5, 10s));
}
