// Signaling across nodes (docs/cluster.md): a robot on node B, viewers on node A, over
// the nodes' Redis channels; presence when the robot joins, leaves or its node dies; a
// booking ended on A cuts the viewer there and the robot on B hears of it. Prints the
// signaling round trip within one node and across two.
#include <algorithm>
#include <cstdio>

#include "cluster_fixture.hpp"

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

class ClusterSignaling : public Cluster {
 protected:
  std::string node_config() const override {
    // Peer to peer (the media relay stays on one node); rates high enough for the
    // round-trip measurement.
    return "[robots]\nmedia = \"p2p\"\n"
           "[signaling]\nmessages_per_second = 5000\nmessage_burst = 5000\n";
  }
  void SetUp() override {
    Cluster::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const auto [id, credential] = enrol_robot("rover");
    robot_id = id;
    // The robot signs in on node B, where it connects.
    robot_token = login(*nodes[1], "rover", credential);
    robot_booking = book_for_alice("robot:" + std::to_string(robot_id));
  }
  std::unique_ptr<sig_client> robot_on(node& n) {
    auto c = std::make_unique<sig_client>(n.port, robot_token);
    EXPECT_FALSE(c->do_register("robot", "rover").is_null());
    return c;
  }
  std::unique_ptr<sig_client> viewer_on(node& n, const std::string& token, std::string& peer) {
    auto c = std::make_unique<sig_client>(n.port, token);
    auto reg = c->do_register("viewer");
    peer = reg.is_null() ? "" : reg.value("peerId", "");
    return c;
  }
  // `n` ICE candidates viewer -> robot, each echoed robot -> viewer: the round trips in ms.
  static std::vector<double> round_trips(sig_client& viewer, const std::string& peer,
                                         sig_client& robot, int n) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      const json cand = {
          {"candidate", "candidate:" + std::to_string(i) + " 1 udp 1 127.0.0.1 9 typ host"},
          {"sdpMid", "0"},
          {"sdpMLineIndex", 0}};
      const auto t0 = steady::now();
      viewer.send({{"type", "ice-candidate"}, {"to", "rover"}, {"candidate", cand}});
      auto got = robot.next("ice-candidate");
      if (got.is_null()) break;
      robot.send({{"type", "ice-candidate"}, {"to", peer}, {"candidate", got.at("candidate")}});
      auto back = viewer.next("ice-candidate");
      if (back.is_null() || back.at("candidate") != cand) break;
      ms.push_back(std::chrono::duration<double, std::milli>(steady::now() - t0).count());
    }
    return ms;
  }

  std::int64_t robot_id = 0, robot_booking = 0;
  std::string robot_token;
};

TEST_F(ClusterSignaling, ViewerOnOneNodeWatchesARobotOnAnother) {
  auto robot = robot_on(*nodes[1]);
  std::string peer;
  auto viewer = viewer_on(*nodes[0], alice, peer);
  ASSERT_FALSE(peer.empty());
  auto online = viewer->next("robot-online");
  ASSERT_FALSE(online.is_null()) << "node A never heard that rover is online on node B";
  EXPECT_EQ(online.at("robotId"), "rover");
  // Node A lists it as online.
  auto list = json::parse(
      http_request(nodes[0]->port, camgate::http::verb::get, "/api/robots", "", bearer(admin))
          .body);
  EXPECT_NE(list.dump().find("\"online\":true"), std::string::npos) << list.dump();

  const json offer = {{"type", "offer"}, {"sdp", "v=0 o"}};
  viewer->send({{"type", "offer"}, {"to", "rover"}, {"offer", offer}});
  auto got = robot->next("offer");
  ASSERT_FALSE(got.is_null()) << "the offer did not reach node B";
  EXPECT_EQ(got.at("from"), peer);
  EXPECT_EQ(got.at("offer"), offer);
  const json answer = {{"type", "answer"}, {"sdp", "v=0 a"}};
  robot->send({{"type", "answer"}, {"to", peer}, {"answer", answer}});
  auto ans = viewer->next("answer");
  ASSERT_FALSE(ans.is_null()) << "the answer did not come back to node A";
  EXPECT_EQ(ans.at("from"), "rover");
  EXPECT_EQ(ans.at("answer"), answer);
  // ICE both ways, and the round trip across two nodes against one.
  const auto across = round_trips(*viewer, peer, *robot, 500);
  ASSERT_EQ(across.size(), 500u);
  std::string local_peer;
  auto local = viewer_on(*nodes[1], alice, local_peer);
  // Peer ids are unique in the cluster, not only on a node.
  EXPECT_NE(local_peer, peer);
  EXPECT_NE(peer.find("@node-a"), std::string::npos) << peer;
  local->send({{"type", "offer"}, {"to", "rover"}, {"offer", offer}});
  ASSERT_FALSE(robot->next("offer").is_null());
  const auto within = round_trips(*local, local_peer, *robot, 500);
  ASSERT_EQ(within.size(), 500u);
  std::printf(
      "signaling round trip (viewer -> robot -> viewer), 500 ICE candidates:\n"
      "  one node:  p50 %.3f ms, p99 %.3f ms\n  two nodes: p50 %.3f ms, p99 %.3f ms\n",
      percentile(within, 0.5), percentile(within, 0.99), percentile(across, 0.5),
      percentile(across, 0.99));

  // The robot hangs up on the viewer of node A: it is told.
  robot->send({{"type", "leave"}, {"to", peer}});
  auto left = viewer->next("peer-left");
  ASSERT_FALSE(left.is_null());
  EXPECT_EQ(left.at("from"), "rover");
  // Its session is over: candidates are refused until a new offer.
  viewer->send({{"type", "offer"}, {"to", "rover"}, {"offer", offer}});
  ASSERT_FALSE(robot->next("offer").is_null());

  // The robot leaves node B: both viewers (A and B) hear it.
  robot.reset();
  EXPECT_FALSE(viewer->next("robot-offline").is_null()) << "node A was not told";
  EXPECT_FALSE(local->next("robot-offline").is_null());
  list = json::parse(
      http_request(nodes[0]->port, camgate::http::verb::get, "/api/robots", "", bearer(admin))
          .body);
  EXPECT_EQ(list.dump().find("\"online\":true"), std::string::npos) << list.dump();
}

TEST_F(ClusterSignaling, BookingEndedOnTheViewersNodeTellsTheRobotOnAnother) {
  auto robot = robot_on(*nodes[1]);
  std::string peer;
  auto viewer = viewer_on(*nodes[0], alice, peer);
  ASSERT_FALSE(viewer->next("robot-online").is_null());
  viewer->send({{"type", "offer"}, {"to", "rover"}, {"offer", {{"type", "offer"}, {"sdp", "o"}}}});
  ASSERT_FALSE(robot->next("offer").is_null());
  auto r = http_request(nodes[0]->port, camgate::http::verb::patch,
                        "/api/bookings/" + std::to_string(robot_booking),
                        json{{"ends_at", now()}}.dump(), bearer(admin));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto ended = viewer->next("session-ended");
  ASSERT_FALSE(ended.is_null());
  EXPECT_EQ(ended.at("reason"), "booking ended");
  auto left = robot->next("peer-left");
  ASSERT_FALSE(left.is_null()) << "node B's robot was not told";
  EXPECT_EQ(left.at("from"), peer);
  EXPECT_EQ(left.at("reason"), "booking ended");
}

TEST_F(ClusterSignaling, RobotsNodeKilledViewersElsewhereHearItIsOffline) {
  auto robot = robot_on(*nodes[1]);
  std::string peer;
  auto viewer = viewer_on(*nodes[0], alice, peer);
  ASSERT_FALSE(viewer->next("robot-online").is_null());
  nodes[1]->killed = true;
  nodes[1]->process->signal(SIGKILL);
  nodes[1]->process->wait();
  const auto killed = steady::now();
  ASSERT_FALSE(viewer->next("robot-offline", 8s).is_null());
  const auto took = std::chrono::duration<double>(steady::now() - killed).count();
  std::printf("robot-offline on node-a %.2f s after node-b was killed\n", took);
  EXPECT_LT(took, 5.0);
}

}  // namespace
