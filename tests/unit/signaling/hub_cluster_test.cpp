// Two hubs as two cluster nodes, joined by an in-process bus that stands for Redis
// (cluster/signal_bus): presence, routing both ways (parsed and relay fast path), the
// ends of sessions, a single hub's peer ids unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>

#include "signaling/hub.hpp"
#include "unit/signaling/fake_relay.hpp"

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
  std::vector<std::weak_ptr<access::live_session>> sessions;  // to warn or cut them
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
  std::uint64_t open_session(std::weak_ptr<access::live_session> s, const auth::identity&,
                             access::resource, const std::string&, std::int64_t) override {
    sessions.push_back(std::move(s));
    return next++;
  }
  void close_session(std::uint64_t id, access::end_reason why) override {
    closed.emplace_back(id, why);
  }
};

// The robot's node's media relay ([robots] media = "relay"): what the hub asked of it.
using camgate::signaling::testing::fake_relay;

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
  // Relay mode (set before the cluster, as serve.cpp does).
  virtual void set_relays() {}
  void SetUp() override {
    set_relays();
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
  fake_relay relay_a, relay_b;  // HubClusterRelay's; the hubs call them until they stop
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

TEST_F(HubCluster, SessionExpiringReachesTheViewerOnlyAsOnOneNode) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", json::object()}});
  pump();
  ASSERT_EQ(gw_a.sessions.size(), 1u) << "the session lives on the viewer's node";
  EXPECT_TRUE(gw_b.sessions.empty());
  gw_a.sessions[0].lock()->warn(1234);
  pump();
  ASSERT_EQ(viewer.link->of("session-expiring").size(), 1u);
  EXPECT_EQ(viewer.link->of("session-expiring")[0]["ends_at"], 1234);
  EXPECT_TRUE(robot.link->of("session-expiring").empty());
}

// Both nodes relay ([robots] media = "relay"): the robot's node owns its upstream.
class HubClusterRelay : public HubCluster {
 protected:
  void set_relays() override {
    a.set_relay(&relay_a);
    b.set_relay(&relay_b);
  }
  // A viewer on A with an open session with the robot on B (through B's relay).
  std::string open_session(conn& viewer) {
    const std::string peer = viewer.link->of("registered").at(0)["peerId"];
    EXPECT_EQ(a.receive(viewer.c, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer}})["type"],
              "ok");
    pump();
    return peer;
  }
  const json offer = {{"type", "offer"}, {"sdp", "v=0"}};
};

TEST_F(HubClusterRelay, ARemoteViewersOfferGoesToTheRobotsNodesRelay) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  ASSERT_EQ(viewer.link->of("robot-online").size(), 1u);
  const auto peer = open_session(viewer);
  EXPECT_EQ(peer, "alice#1@a");
  // The candidate by the relay fast path and parsed: both to B's relay, as the bytes sent.
  EXPECT_FALSE(a.relay(viewer.c, "ice-candidate", "robot-1", R"({"candidate":"c1"})"));
  a.receive(viewer.c,
            {{"type", "ice-candidate"}, {"to", "robot-1"}, {"candidate", {{"candidate", "c2"}}}});
  pump();
  EXPECT_EQ(relay_b.calls,
            (std::vector<std::string>{"online robot-1", "viewer robot-1 " + peer + " offer",
                                      "viewer robot-1 " + peer + " ice-candidate",
                                      "viewer robot-1 " + peer + " ice-candidate"}));
  EXPECT_TRUE(relay_a.calls.empty()) << "node A opens no upstream of its own";
  EXPECT_TRUE(robot.link->of("offer").empty()) << "the robot sees the relay, not the viewer";
  EXPECT_EQ(b.state_of("robot-1").viewers, 1u);
  EXPECT_EQ(a.state_of("robot-1").node, "b");
  EXPECT_EQ(b.state_of("robot-1").node, "");
  // B's relay answers as the robot: the answer and its candidates reach the viewer on A.
  EXPECT_TRUE(b.to_viewer(peer, "robot-1", "answer", {{"type", "answer"}, {"sdp", "a"}}));
  EXPECT_TRUE(b.to_viewer(peer, "robot-1", "ice-candidate", {{"candidate", "r1"}}));
  EXPECT_FALSE(b.to_viewer("bob#9@a", "robot-1", "answer", json::object())) << "no session";
  pump();
  ASSERT_EQ(viewer.link->of("answer").size(), 1u);
  EXPECT_EQ(viewer.link->of("answer")[0]["from"], "robot-1");
  EXPECT_EQ(viewer.link->of("answer")[0]["answer"]["sdp"], "a");
  ASSERT_EQ(viewer.link->of("ice-candidate").size(), 1u);
  EXPECT_EQ(viewer.link->of("ice-candidate")[0]["candidate"]["candidate"], "r1");

  // The booking ends on A: B's relay drops the viewer's peer; the robot (one viewer, the
  // relay) hears nothing.
  a.end(viewer.c, access::end_reason::booking_ended);
  pump();
  EXPECT_EQ(relay_b.calls.back(), "left robot-1 " + peer);
  EXPECT_TRUE(robot.link->of("peer-left").empty());
  EXPECT_EQ(b.state_of("robot-1").viewers, 0u);
  EXPECT_FALSE(b.to_viewer(peer, "robot-1", "ice-candidate", json::object()));
}

TEST_F(HubClusterRelay, LeaveAndDisconnectOnTheViewersNodeDropThePeer) {
  auto robot = attach(b, kRobot, "robot");
  auto v1 = attach(a, kAlice, "viewer");
  auto v2 = attach(a, kAlice, "viewer");
  const auto p1 = open_session(v1);
  const auto p2 = open_session(v2);
  EXPECT_EQ(a.receive(v1.c, {{"type", "leave"}, {"to", "robot-1"}})["type"], "ok");
  pump();
  EXPECT_EQ(relay_b.calls.back(), "left robot-1 " + p1);
  a.detach(v2.c);
  pump();
  EXPECT_EQ(relay_b.calls.back(), "left robot-1 " + p2);
  EXPECT_TRUE(robot.link->of("peer-left").empty());
}

TEST_F(HubClusterRelay, ViewersNodeGoneTheRelayDropsItsPeers) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  const auto peer = open_session(viewer);
  b.remote_node_gone("a");
  EXPECT_EQ(relay_b.calls.back(), "left robot-1 " + peer);
  EXPECT_TRUE(robot.link->of("peer-left").empty());
  EXPECT_EQ(b.state_of("robot-1").viewers, 0u);
}

TEST_F(HubClusterRelay, RobotLeavingItsNodeDropsItsRemoteViewersPeers) {
  auto robot = attach(b, kRobot, "robot");
  auto viewer = attach(a, kAlice, "viewer");
  const auto peer = open_session(viewer);
  b.detach(robot.c);
  pump();
  EXPECT_NE(std::find(relay_b.calls.begin(), relay_b.calls.end(), "left robot-1 " + peer),
            relay_b.calls.end());
  EXPECT_EQ(viewer.link->of("robot-offline").size(), 1u);
  EXPECT_EQ(gw_a.closed.size(), 1u);
}

TEST_F(HubClusterRelay, CandidatesWithoutAnOfferOrFromAnotherNodeAreDropped) {
  auto robot = attach(b, kRobot, "robot");
  const json cand = {{"candidate", "c"}};
  b.from_cluster(
      "a", {cluster_message::target::robot, "robot-1", "alice#1@a", "ice-candidate", cand.dump()});
  b.from_cluster("a", {cluster_message::target::robot, "robot-1", "alice#1@a", "answer", "{}"});
  b.from_cluster("a", {cluster_message::target::robot, "robot-1", "alice#1@a", "offer", "[1"});
  EXPECT_EQ(relay_b.calls, std::vector<std::string>{"online robot-1"});
  b.from_cluster("a",
                 {cluster_message::target::robot, "robot-1", "alice#1@a", "offer", offer.dump()});
  b.from_cluster(
      "c", {cluster_message::target::robot, "robot-1", "alice#1@a", "ice-candidate", cand.dump()});
  EXPECT_EQ(relay_b.calls.size(), 2u) << "only the node that sent the offer";
}

TEST(HubSingleNode, PeerIdsHaveNoNodeSuffix) {
  fake_gateway gw;
  hub h{gw};
  auto c = h.attach(std::make_shared<fake_link>(), kAlice, 0, "127.0.0.1");
  EXPECT_EQ(h.receive(c, {{"type", "register"}, {"userType", "viewer"}})["peerId"], "alice#1");
}

}  // namespace
