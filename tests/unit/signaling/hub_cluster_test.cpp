// Two hubs as two cluster nodes, joined by an in-process bus that stands for Redis
// (cluster/signal_bus): presence, routing both ways (parsed and relay fast path), the
// ends of sessions, a single hub's peer ids unchanged.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>

#include "signaling/hub.hpp"

using namespace camgate;
using namespace camgate::signaling;
using nlohmann::json;

namespace {

struct fake_link : peer_link {
  std::vector<json> got;
  void send(std::string_view type, const json& payload) override {
    json m = payload;
    m["type"] = std::string(type);
    got.push_back(std::move(m));
  }
  void close(std::uint16_t, std::string) override {}
  std::vector<json> of(std::string_view type) const {
    std::vector<json> out;
    for (const auto& m : got)
      if (m["type"] == type) out.push_back(m);
    return out;
  }
};

struct fake_gateway : gateway_port {
  std::uint64_t next = 1;
  std::vector<std::pair<std::uint64_t, access::end_reason>> closed;
  std::optional<std::int64_t> robot_id(std::string_view name) override {
    if (name == "robot-1") return 1;
    return std::nullopt;
  }
  access::decision decide(const auth::identity& who, access::resource) override {
    access::decision d;
    d.allowed = who.name != "mallory";
    if (!d.allowed) d.reason = "no booking";
    return d;
  }
  std::uint64_t open_session(std::weak_ptr<access::live_session>, const auth::identity&,
                             access::resource, const std::string&, std::int64_t) override {
    return next++;
  }
  void close_session(std::uint64_t id, access::end_reason why) override {
    closed.emplace_back(id, why);
  }
};

// Queues what a hub hands it (the hub holds its lock then) and delivers on pump().
struct fake_bus : cluster_port {
  std::string node;
  std::map<std::string, hub*>* nodes = nullptr;
  std::deque<std::function<void()>> queue;
  void robot_online(const std::string& robot, std::int64_t id) override {
    queue.push_back([this, robot, id] {
      for (auto& [n, h] : *nodes)
        if (n != node) h->remote_robot_online(robot, node, id);
    });
  }
  void robot_offline(const std::string& robot) override {
    queue.push_back([this, robot] {
      for (auto& [n, h] : *nodes)
        if (n != node) h->remote_robot_offline(robot, node);
    });
  }
  void send(const std::string& to, cluster_message m) override {
    queue.push_back([this, to, m] { (*nodes)[to]->from_cluster(node, m); });
  }
};

const auth::identity kRobot{10, "robot-1", auth::role::robot};
const auth::identity kAlice{2, "alice", auth::role::user};
const auth::identity kMallory{4, "mallory", auth::role::user};

class HubCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_a.node = "a";
    bus_b.node = "b";
    bus_a.nodes = bus_b.nodes = &nodes;
    a.set_cluster(&bus_a, "a");
    b.set_cluster(&bus_b, "b");
  }
  void pump() {
    while (!bus_a.queue.empty() || !bus_b.queue.empty()) {
      for (auto* q : {&bus_a.queue, &bus_b.queue})
        while (!q->empty()) {
          auto f = std::move(q->front());
          q->pop_front();
          f();
        }
    }
  }
  struct conn {
    std::shared_ptr<fake_link> link;
    std::shared_ptr<client> c;
  };
  conn attach(hub& h, const auth::identity& who, const std::string& type) {
    auto l = std::make_shared<fake_link>();
    auto c = h.attach(l, who, 0, "127.0.0.1");
    auto reply = h.receive(c, {{"type", "register"}, {"userId", who.name}, {"userType", type}});
    EXPECT_EQ(reply["type"], "registered") << reply.dump();
    pump();
    return {l, c};
  }

  fake_gateway gw_a, gw_b;
  // Before the hubs, so they outlive them: a hub tells its bus on the way out (as
  // serve.cpp detaches the real bus before destroying it).
  fake_bus bus_a, bus_b;
  hub a{gw_a}, b{gw_b};
  std::map<std::string, hub*> nodes{{"a", &a}, {"b", &b}};
};

TEST_F(HubCluster, ViewerOnOneNodeTalksToARobotOnAnother) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  const auto peer =
      viewer.c
          ? a.receive(viewer.c, {{"type", "register"}, {"userType", "viewer"}}).value("peerId", "")
          : "";
  EXPECT_EQ(peer, "alice#1@a");
  ASSERT_EQ(viewer.link->of("robot-online").size(), 1u);
  EXPECT_TRUE(a.state_of("robot-1").online);

  const json offer = {{"type", "offer"}, {"sdp", "v=0"}};
  EXPECT_EQ(a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer}})["type"],
            "ok");
  pump();
  ASSERT_EQ(robot.link->of("offer").size(), 1u);
  EXPECT_EQ(robot.link->of("offer")[0]["from"], peer);
  EXPECT_EQ(robot.link->of("offer")[0]["offer"], offer);
  EXPECT_EQ(b.state_of("robot-1").viewers, 1u);
  // The relay's fast path both ways: the bytes as sent.
  EXPECT_FALSE(b.relay(robot.c, "answer", peer, R"({"type":"answer","sdp":"a"})"));
  EXPECT_FALSE(a.relay(viewer.c, "ice-candidate", "robot-1", R"({"candidate":"c1"})"));
  pump();
  ASSERT_EQ(viewer.link->of("answer").size(), 1u);
  EXPECT_EQ(viewer.link->of("answer")[0]["answer"]["sdp"], "a");
  ASSERT_EQ(robot.link->of("ice-candidate").size(), 1u);
  EXPECT_EQ(robot.link->of("ice-candidate")[0]["candidate"]["candidate"], "c1");

  // The robot hangs up: the viewer is told, its session (on its own node) ends.
  EXPECT_EQ(b.receive(robot.c, {{"type", "leave"}, {"to", peer}})["type"], "ok");
  pump();
  ASSERT_EQ(viewer.link->of("peer-left").size(), 1u);
  EXPECT_EQ(gw_a.closed.size(), 1u);
  // A new offer, then the viewer is cut (booking ended): the robot hears why.
  a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer}});
  pump();
  a.end(viewer.c, access::end_reason::booking_ended);
  pump();
  ASSERT_EQ(robot.link->of("peer-left").size(), 1u);
  EXPECT_EQ(robot.link->of("peer-left")[0]["from"], peer);
  EXPECT_EQ(robot.link->of("peer-left")[0]["reason"], "booking ended");
  EXPECT_EQ(b.state_of("robot-1").viewers, 0u);
}

TEST_F(HubCluster, AccessIsCheckedOnTheViewersNode) {
  auto robot = attach(b, kRobot, "robot");
  auto m = attach(a, kMallory, "viewer");
  EXPECT_TRUE(m.link->of("robot-online").empty());
  auto reply = a.receive(m.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", json::object()}});
  EXPECT_EQ(reply["type"], "error");
  pump();
  EXPECT_TRUE(robot.link->of("offer").empty());
}

TEST_F(HubCluster, RobotLeavingItsNodeEndsSessionsElsewhere) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", json::object()}});
  pump();
  b.detach(robot.c);
  pump();
  ASSERT_EQ(viewer.link->of("robot-offline").size(), 1u);
  EXPECT_FALSE(a.state_of("robot-1").online);
  EXPECT_EQ(gw_a.closed.size(), 1u);
  auto reply =
      a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", json::object()}});
  EXPECT_EQ(reply["type"], "error");
}

TEST_F(HubCluster, RobotReconnectedToAnotherNodeEndsTheOldSessions) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", json::object()}});
  pump();
  // Node C's join arrives before node B's leave.
  a.remote_robot_online("robot-1", "c", 1);
  EXPECT_EQ(viewer.link->of("robot-offline").size(), 1u);
  EXPECT_EQ(viewer.link->of("robot-online").size(), 2u);
  EXPECT_EQ(gw_a.closed.size(), 1u);
  a.remote_robot_offline("robot-1", "b");  // late: ignored
  EXPECT_TRUE(a.state_of("robot-1").online);
}

TEST_F(HubCluster, RobotMovedToTheViewersNodeEndsTheSessionWithItsOldNode) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", json::object()}});
  pump();
  auto here = attach(a, kRobot, "robot");  // registers on A before B notices the old one left
  b.detach(robot.c);
  pump();
  ASSERT_EQ(viewer.link->of("peer-left").size(), 1u);
  EXPECT_EQ(gw_a.closed.size(), 1u);
  EXPECT_TRUE(a.state_of("robot-1").online);
  a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", json::object()}});
  EXPECT_EQ(here.link->of("offer").size(), 1u);
}

TEST_F(HubCluster, ViewersNodeGoneTheRobotHearsItsViewersLeft) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", json::object()}});
  pump();
  EXPECT_EQ(b.state_of("robot-1").viewers, 1u);
  b.remote_node_gone("a");
  ASSERT_EQ(robot.link->of("peer-left").size(), 1u);
  EXPECT_EQ(robot.link->of("peer-left")[0]["reason"], "disconnected");
  EXPECT_EQ(b.state_of("robot-1").viewers, 0u);
}

TEST(HubSingleNode, PeerIdsHaveNoNodeSuffix) {
  fake_gateway gw;
  hub h{gw};
  auto c = h.attach(std::make_shared<fake_link>(), kAlice, 0, "127.0.0.1");
  EXPECT_EQ(h.receive(c, {{"type", "register"}, {"userType", "viewer"}})["peerId"], "alice#1");
}

}  // namespace
