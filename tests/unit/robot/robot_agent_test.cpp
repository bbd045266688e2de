// camgate-robot's agent against a fake gateway: login, 404 ICE servers, register, a
// viewer's offer answered over /signaling, candidates both ways, peer-left, token expiry
// (4002) and a gateway that goes away while a viewer keeps streaming.
#include "robot/robot_agent.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "fake_gateway.hpp"
#include "webrtc_receiver.hpp"  // tests/unit/media

using namespace camgate;
using namespace camgate::robot;
namespace media = camgate::media;
using camgate::robot::testing::fake_gateway;
using camgate::media::testing::webrtc_receiver;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct robot_under_test {
  asio::io_context io{1};
  std::shared_ptr<robot_agent> agent;
  std::thread thread;

  robot_under_test(const fake_gateway& gw, std::string credential = "secret") {
    media::media_options m;
    m.width = 640;
    m.height = 360;
    m.ice_local_addresses = {"127.0.0.1"};
    signaling_options s;
    s.gateway = *parse_gateway_url(gw.url());
    s.robot = "robot-1";
    s.credential = std::move(credential);
    s.backoff_initial = 100ms;
    s.backoff_max = 400ms;
    agent = robot_agent::create(io, m, s);
    agent->start();
    thread = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
  ~robot_under_test() {
    agent->stop();
    io.stop();
    thread.join();
  }
};

// The viewer side: a receiving webrtcbin whose signaling goes through the fake gateway.
struct viewer {
  fake_gateway& gw;
  std::string id;
  std::unique_ptr<webrtc_receiver> rx;
  std::atomic<bool> answered{false};

  viewer(fake_gateway& g, std::string peer) : gw(g), id(std::move(peer)) {
    rx = std::make_unique<webrtc_receiver>(
        webrtc_receiver::options{}, [this](unsigned m, const std::string& c) {
          gw.send({{"type", "ice-candidate"},
                   {"from", id},
                   {"candidate", {{"candidate", c}, {"sdpMid", "video0"}, {"sdpMLineIndex", m}}}});
        });
    gw.on_message([this](const json& m) {
      if (m.value("to", "") != id) return;
      if (m["type"] == "answer") {
        rx->set_answer(m["answer"]["sdp"].get<std::string>());
        answered = true;
      } else if (m["type"] == "ice-candidate") {
        rx->add_candidate(m["candidate"]["sdpMLineIndex"].get<unsigned>(),
                          m["candidate"]["candidate"].get<std::string>());
      }
    });
    gw.send({{"type", "offer"},
             {"from", id},
             {"offer", {{"type", "offer"}, {"sdp", rx->create_offer()}}}});
  }
  ~viewer() { gw.on_message(nullptr); }
};

}  // namespace

TEST(robot_agent, streams_to_a_viewer_through_the_gateway) {
  fake_gateway gw;
  robot_under_test robot(gw);
  ASSERT_TRUE(gw.wait_registrations(1, 10s));
  EXPECT_EQ(gw.logins(), 1);
  viewer v(gw, "alice#1");
  ASSERT_TRUE(v.rx->wait_frames(30, 15s)) << "frames: " << v.rx->frames_decoded();
  EXPECT_TRUE(v.answered);
  EXPECT_EQ(v.rx->width(), 640);
  EXPECT_EQ(v.rx->height(), 360);
  // The robot trickled its candidates with the offer's mid.
  bool candidate_seen = false;
  for (const auto& m : gw.received())
    if (m["type"] == "ice-candidate" && m["to"] == "alice#1") {
      candidate_seen = true;
      EXPECT_EQ(m["candidate"]["sdpMid"], "video0");
      EXPECT_EQ(m["candidate"]["candidate"].get<std::string>().rfind("candidate:", 0), 0u);
    }
  EXPECT_TRUE(candidate_seen);
  // peer-left closes that viewer's peer at once.
  gw.send({{"type", "peer-left"}, {"from", "alice#1"}, {"reason", "booking ended"}});
  for (int i = 0; i < 200 && robot.agent->media().stats().peers != 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(robot.agent->media().stats().peers, 0u);
  const auto before = v.rx->frames_decoded();
  std::this_thread::sleep_for(500ms);
  EXPECT_LE(v.rx->frames_decoded() - before, 3u) << "frames still flowing after peer-left";
}

TEST(robot_agent, logs_in_again_when_the_token_expires) {
  fake_gateway gw;
  robot_under_test robot(gw);
  ASSERT_TRUE(gw.wait_registrations(1, 10s));
  const auto t0 = std::chrono::steady_clock::now();
  gw.close_robot(4002);
  ASSERT_TRUE(gw.wait_registrations(2, 10s));
  EXPECT_EQ(gw.logins(), 2);
  // No backoff for an expired token.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(robot_agent, viewers_keep_streaming_while_the_gateway_is_away) {
  fake_gateway gw;
  robot_under_test robot(gw);
  ASSERT_TRUE(gw.wait_registrations(1, 10s));
  viewer v(gw, "bob#1");
  ASSERT_TRUE(v.rx->wait_frames(10, 15s));
  gw.drop_robot();
  const auto f0 = v.rx->frames_decoded();
  std::this_thread::sleep_for(1s);
  EXPECT_GE(v.rx->frames_decoded() - f0, 20u) << "the peer stalled with the signaling";
  ASSERT_TRUE(gw.wait_registrations(2, 10s));  // reconnected with backoff
  EXPECT_EQ(robot.agent->media().stats().peers, 1u);
}

TEST(robot_agent, a_refused_credential_is_retried_with_backoff) {
  fake_gateway gw;
  robot_under_test robot(gw, "wrong");
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(gw.registrations(), 0);
  EXPECT_EQ(robot.agent->signaling().logins(), 0u);
}
