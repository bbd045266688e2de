// Robots through the media relay across nodes (docs/cluster.md "Robot relay across nodes"):
// the real camgate-robot (test pattern, H.264) connects to node B; webrtcbin viewers on
// nodes A and C watch it through B's relay, their offers, answers and candidates over the
// nodes' signaling bus. The robot sends one stream (its one viewer is the relay); a booking
// ended on A cuts A's viewer and B's relay drops its peer; node C killed, B's relay drops
// C's viewer when C's node key expires, and the upstream closes after the linger.
#include <filesystem>
#include <mutex>

#include "cluster_fixture.hpp"
#include "webrtc_receiver.hpp"  // tests/unit/media

using camgate::media::testing::webrtc_receiver;

namespace {

// A viewer on /signaling with a webrtcbin peer that decodes what it gets.
struct relay_viewer {
  std::unique_ptr<sig_client> sig;
  std::string peer;
  std::unique_ptr<webrtc_receiver> rx;
  std::mutex mu;
  std::vector<std::pair<unsigned, std::string>> local;  // our candidates, not sent yet

  relay_viewer(std::uint16_t port, const std::string& token)
      : sig(std::make_unique<sig_client>(port, token)) {
    peer = sig->do_register("viewer").value("peerId", "");
  }
  void offer(const std::string& robot) {
    rx = std::make_unique<webrtc_receiver>(
        webrtc_receiver::options{}, [this](unsigned mline, const std::string& c) {
          std::lock_guard lock(mu);  // a GStreamer thread: sent from the test's
          local.emplace_back(mline, c);
        });
    const auto sdp = rx->create_offer();
    sig->send({{"type", "offer"}, {"to", robot}, {"offer", {{"type", "offer"}, {"sdp", sdp}}}});
    robot_ = robot;
  }
  // Sends our candidates and takes in the relay's answer and candidates (up to `wait`).
  void step(std::chrono::milliseconds wait) {
    std::vector<std::pair<unsigned, std::string>> out;
    {
      std::lock_guard lock(mu);
      out.swap(local);
    }
    for (const auto& [mline, c] : out)
      sig->send({{"type", "ice-candidate"},
                 {"to", robot_},
                 {"candidate", {{"candidate", c}, {"sdpMLineIndex", mline}}}});
    for (const char* type : {"answer", "ice-candidate"}) {
      for (auto m = sig->next(type, type[0] == 'a' ? wait : 0ms); !m.is_null();
           m = sig->next(type, 0ms)) {
        if (m.value("from", "") != robot_) continue;
        if (type[0] == 'a')
          EXPECT_TRUE(rx->set_answer(m.at("answer").at("sdp").get<std::string>()));
        else
          rx->add_candidate(m.at("candidate").value("sdpMLineIndex", 0u),
                            m.at("candidate").value("candidate", ""));
      }
    }
  }
  std::uint64_t frames() const { return rx ? rx->frames_decoded() : 0; }

 private:
  std::string robot_;
};

class ClusterRelay : public Cluster {
 protected:
  std::string node_config() const override {
    return "[robots]\nmedia = \"relay\"\nrelay_linger_s = 1\n"
           "[webrtc]\nlocal_addresses = [\"127.0.0.1\"]\n";
  }
  void SetUp() override {
    if (!std::filesystem::exists(bin_path("camgate-robot")))
      GTEST_SKIP() << "camgate-robot is not built";
    Cluster::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const auto [id, credential] = enrol_robot("rover");
    robot_id = id;
    robot_booking = book_for_alice("robot:" + std::to_string(robot_id));
    std::ofstream(robot_dir.path() + "/credential") << credential;
    // The robot connects to node B only.
    robot = std::make_unique<child_process>(
        std::vector<std::string>{bin_path("camgate-robot"),
                                 "--gateway",
                                 "http://127.0.0.1:" + std::to_string(nodes[1]->port),
                                 "--robot",
                                 "rover",
                                 "--credential-file",
                                 robot_dir.path() + "/credential",
                                 "--source",
                                 "test",
                                 "--width",
                                 "320",
                                 "--height",
                                 "240",
                                 "--fps",
                                 "30",
                                 "--codec",
                                 "h264",
                                 "--ice-local-address",
                                 "127.0.0.1",
                                 "--log-level",
                                 "warn",
                                 "--stats-file",
                                 stats_path(),
                                 "--stats-interval",
                                 "100"});
    const auto until = steady::now() + 10s;
    while (steady::now() < until && !online_on(*nodes[1])) std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(online_on(*nodes[1])) << "the robot did not register on node B";
  }
  void TearDown() override {
    if (robot) {
      robot->signal(SIGTERM);
      robot->wait();
    }
  }
  bool online_on(node& n) {
    auto r = http_request(n.port, camgate::http::verb::get, "/api/robots", "", bearer(admin));
    return r.body.find("\"online\":true") != std::string::npos;
  }
  std::string stats_path() const { return robot_dir.path() + "/stats.json"; }
  // The robot's own count of its peers (its stats file).
  int robot_viewers() {
    std::ifstream f(stats_path());
    auto j = json::parse(f, nullptr, false);
    return j.is_object() ? j.value("viewers", -1) : -1;
  }
  // A gauge of node `n`'s /metrics (-1: absent).
  double metric(node& n, const std::string& name) {
    const auto body =
        http_request(n.port, camgate::http::verb::get, "/metrics", "", bearer(admin)).body;
    const auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(body.substr(at + name.size() + 2));
  }
  // Waits up to `timeout` for `ok`.
  template <typename F>
  static bool eventually(F ok, std::chrono::milliseconds timeout) {
    const auto until = steady::now() + timeout;
    while (!ok()) {
      if (steady::now() >= until) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

  temp_dir robot_dir;
  std::unique_ptr<child_process> robot;
  std::int64_t robot_id = 0, robot_booking = 0;
};

TEST_F(ClusterRelay, ViewersOnOtherNodesWatchARobotThroughItsNodesRelay) {
  // alice on node A (booked), the admin on node C; the robot is on node B.
  relay_viewer a(nodes[0]->port, alice), c(nodes[2]->port, admin);
  ASSERT_FALSE(a.peer.empty());
  ASSERT_FALSE(a.sig->next("robot-online", 5s).is_null()) << "node A never heard of the robot";
  ASSERT_FALSE(c.sig->next("robot-online", 5s).is_null()) << "node C never heard of the robot";
  const auto t0 = steady::now();
  a.offer("rover");
  c.offer("rover");
  while (steady::now() < t0 + 10s && (a.frames() < 15 || c.frames() < 15)) {
    a.step(20ms);
    c.step(20ms);
  }
  ASSERT_GE(a.frames(), 15u) << "node A's viewer got no picture through node B's relay";
  ASSERT_GE(c.frames(), 15u) << "node C's viewer got no picture through node B's relay";
  std::printf("first 15 frames on nodes A and C %.2f s after the offers\n",
              std::chrono::duration<double>(steady::now() - t0).count());
  EXPECT_EQ(a.rx->width(), 320);
  // One upstream, on the robot's node; the robot sees one viewer (the relay).
  EXPECT_EQ(metric(*nodes[1], "camgate_robot_relay_upstreams"), 1);
  EXPECT_EQ(metric(*nodes[1], "camgate_robot_relay_viewers"), 2);
  EXPECT_EQ(metric(*nodes[0], "camgate_robot_relay_upstreams"), 0);
  EXPECT_EQ(metric(*nodes[2], "camgate_robot_relay_upstreams"), 0);
  EXPECT_TRUE(eventually([&] { return robot_viewers() == 1; }, 2s)) << robot_viewers();
  // Pictures of the robot are decoded where its upstream is: other nodes say so.
  auto snap =
      http_request(nodes[0]->port, camgate::http::verb::get,
                   "/api/robots/" + std::to_string(robot_id) + "/snapshot", "", bearer(admin));
  EXPECT_EQ(snap.status, 409u) << snap.body;
  EXPECT_NE(snap.body.find("node-b"), std::string::npos) << snap.body;

  // The booking ends on node A: A cuts its viewer, B's relay drops that peer at once.
  auto r = http_request(nodes[0]->port, camgate::http::verb::patch,
                        "/api/bookings/" + std::to_string(robot_booking),
                        json{{"ends_at", now()}}.dump(), bearer(admin));
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto cut = steady::now();
  auto ended = a.sig->next("session-ended", 3s);
  ASSERT_FALSE(ended.is_null());
  EXPECT_EQ(ended.at("reason"), "booking ended");
  ASSERT_TRUE(eventually([&] { return metric(*nodes[1], "camgate_robot_relay_viewers") == 1; }, 3s))
      << "node B's relay kept the peer of the viewer cut on node A";
  std::printf("node B's relay dropped node A's viewer %.0f ms after the booking ended\n",
              std::chrono::duration<double, std::milli>(steady::now() - cut).count());
  std::this_thread::sleep_for(200ms);
  const auto a_after = a.frames(), c_after = c.frames();
  std::this_thread::sleep_for(700ms);
  EXPECT_LE(a.frames(), a_after + 1) << "frames still reach the viewer after its booking";
  EXPECT_GT(c.frames(), c_after + 10) << "node C's viewer must keep playing";
  EXPECT_EQ(robot_viewers(), 1);

  // Node C dies with the last viewer (kill -9): when its node key expires, B's relay drops
  // its peer, and the upstream closes after the linger.
  nodes[2]->killed = true;
  nodes[2]->process->signal(SIGKILL);
  nodes[2]->process->wait();
  const auto killed = steady::now();
  ASSERT_TRUE(
      eventually([&] { return metric(*nodes[1], "camgate_robot_relay_viewers") == 0; }, 10s))
      << "node B's relay kept the peer of a viewer whose node died";
  std::printf("node B's relay dropped node C's viewer %.1f s after node C was killed\n",
              std::chrono::duration<double>(steady::now() - killed).count());
  EXPECT_TRUE(
      eventually([&] { return metric(*nodes[1], "camgate_robot_relay_upstreams") == 0; }, 4s));
  EXPECT_TRUE(eventually([&] { return robot_viewers() == 0; }, 3s)) << robot_viewers();
}

}  // namespace
