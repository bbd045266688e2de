// The hub without sockets: fake links record what each client would receive, a fake
// gateway stands for the store, the policy and the session registry.
#include "signaling/hub.hpp"
#include "unit/signaling/fake_relay.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace camgate;
using namespace camgate::signaling;
using nlohmann::json;

namespace {

struct fake_link : peer_link {
  std::vector<json> got;  // {"type":..., ...payload}
  std::optional<std::pair<std::uint16_t, std::string>> closed;
  void send(std::string_view type, const json& payload) override {
    json m = payload;
    m["type"] = std::string(type);
    got.push_back(std::move(m));
  }
  void close(std::uint16_t code, std::string reason) override { closed = {code, reason}; }
  std::vector<json> of(std::string_view type) const {
    std::vector<json> out;
    for (const auto& m : got)
      if (m["type"] == type) out.push_back(m);
    return out;
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& m : got) out.push_back(m["type"]);
    return out;
  }
};

struct fake_gateway : gateway_port {
  std::map<std::string, std::int64_t, std::less<>> robots{{"robot-1", 1}, {"robot-2", 2}};
  std::set<std::pair<std::int64_t, std::int64_t>> bookings;  // (user id, robot id)
  std::map<std::uint64_t, std::weak_ptr<access::live_session>> open;
  std::vector<std::pair<std::uint64_t, access::end_reason>> closed;
  std::uint64_t next = 1;

  std::optional<std::int64_t> robot_id(std::string_view name) override {
    auto it = robots.find(name);
    if (it == robots.end()) return std::nullopt;
    return it->second;
  }
  std::set<std::pair<std::int64_t, std::int64_t>> camera_bookings;  // (user id, camera id)
  std::vector<access::resource> opened;
  access::decision decide(const auth::identity& who, access::resource what) override {
    access::decision d;
    if (what.kind == access::resource_kind::camera) {
      d.allowed = who.role == auth::role::admin || camera_bookings.contains({who.user_id, what.id});
      if (!d.allowed) d.reason = "no booking";
      return d;
    }
    const auto rid = what.id;
    if (who.role == auth::role::admin) {
      d.allowed = true;
    } else if (who.role == auth::role::robot) {
      d.allowed = robot_id(who.name) == rid;
      if (!d.allowed) d.reason = "robots may only act as themselves";
    } else {
      d.allowed = bookings.contains({who.user_id, rid});
      if (!d.allowed) d.reason = "no booking";
    }
    return d;
  }
  std::uint64_t open_session(std::weak_ptr<access::live_session> s, const auth::identity&,
                             access::resource what, const std::string&, std::int64_t) override {
    opened.push_back(what);
    open[next] = s;
    return next++;
  }
  void close_session(std::uint64_t id, access::end_reason why) override {
    closed.emplace_back(id, why);
  }
};

const auth::identity kRobot1{10, "robot-1", auth::role::robot};
const auth::identity kRobot2{11, "robot-2", auth::role::robot};
const auth::identity kAlice{2, "alice", auth::role::user};
const auth::identity kBob{3, "bob", auth::role::user};
const auth::identity kAdmin{1, "admin", auth::role::admin};

class HubTest : public ::testing::Test {
 protected:
  struct conn {
    std::shared_ptr<fake_link> link;
    std::shared_ptr<client> c;
  };
  conn connect(const auth::identity& who) {
    auto l = std::make_shared<fake_link>();
    auto c = h.attach(l, who, 0, "127.0.0.1");
    EXPECT_TRUE(c) << who.name;
    return {l, c};
  }
  json send(conn& c, json m) { return h.receive(c.c, m); }
  conn robot(const auth::identity& who = kRobot1) {
    auto r = connect(who);
    auto reply = send(r, {{"type", "register"}, {"userId", who.name}, {"userType", "robot"}});
    EXPECT_EQ(reply["type"], "registered") << reply.dump();
    return r;
  }
  conn viewer(const auth::identity& who) {
    auto v = connect(who);
    auto reply = send(v, {{"type", "register"}, {"userId", "x"}, {"userType", "viewer"}});
    EXPECT_EQ(reply["type"], "registered") << reply.dump();
    return v;
  }
  static json offer() { return {{"type", "offer"}, {"sdp", "v=0\r\n"}}; }

  std::int64_t now = 0;
  fake_gateway gw;
  hub h{gw, [this] {
          hub_options o;
          o.messages_per_second = 10;
          o.message_burst = 20;
          o.connections_per_user = 3;
          o.now_ms = [this] { return now; };
          return o;
        }()};
};

TEST_F(HubTest, RobotRegistersAsItselfOnly) {
  auto r = connect(kRobot1);
  auto reply = send(r, {{"type", "register"}, {"userId", "robot-2"}, {"userType", "robot"}});
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(r.link->of("error").size(), 1u);
  EXPECT_FALSE(h.state_of("robot-2").online);

  auto u = connect(kAlice);
  reply = send(u, {{"type", "register"}, {"userId", "alice"}, {"userType", "robot"}});
  EXPECT_EQ(reply["type"], "error");

  gw.robots.erase("robot-1");  // an account without a robots row
  reply = send(r, {{"type", "register"}, {"userId", "robot-1"}, {"userType", "robot"}});
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["error"], "no robot named 'robot-1'");
  gw.robots["robot-1"] = 1;
  reply = send(r, {{"type", "register"}, {"userId", "robot-1"}, {"userType", "robot"}});
  EXPECT_EQ(reply["type"], "registered");
  EXPECT_EQ(reply["peerId"], "robot-1");
  ASSERT_EQ(r.link->of("registered").size(), 1u);
  EXPECT_EQ(r.link->of("registered")[0]["userType"], "robot");
  EXPECT_TRUE(h.state_of("robot-1").online);
  EXPECT_EQ(h.robots_online(), 1u);
}

TEST_F(HubTest, ViewerGetsPeerIdAndPresenceOfAllowedRobotsOnly) {
  auto r1 = robot(kRobot1);
  auto r2 = robot(kRobot2);
  gw.bookings.insert({kAlice.user_id, 2});
  auto a = viewer(kAlice);
  ASSERT_EQ(a.link->of("registered").size(), 1u);
  EXPECT_EQ(a.link->of("registered")[0]["peerId"], "alice#1");
  auto online = a.link->of("robot-online");
  ASSERT_EQ(online.size(), 1u);
  EXPECT_EQ(online[0]["robotId"], "robot-2");
  auto admin = viewer(kAdmin);
  EXPECT_EQ(admin.link->of("robot-online").size(), 2u);
  auto b = viewer(kBob);
  EXPECT_TRUE(b.link->of("robot-online").empty());
}

TEST_F(HubTest, OfferAnswerAndIceAreRelayedWithServerFilledFrom) {
  auto r = robot();
  gw.bookings.insert({kAlice.user_id, 1});
  auto a = viewer(kAlice);
  auto reply =
      send(a, {{"type", "offer"}, {"to", "robot-1"}, {"from", "robot-2"}, {"offer", offer()}});
  EXPECT_EQ(reply["type"], "ok") << reply.dump();
  auto offers = r.link->of("offer");
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0]["from"], "alice#1");  // never the client's "from"
  EXPECT_EQ(offers[0]["offer"], offer());
  EXPECT_FALSE(offers[0].contains("to"));
  EXPECT_EQ(gw.open.size(), 1u);
  EXPECT_EQ(h.state_of("robot-1").viewers, 1u);

  json answer = {{"type", "answer"}, {"sdp", "v=0\r\nanswer"}};
  reply = send(r, {{"type", "answer"}, {"to", "alice#1"}, {"answer", answer}});
  EXPECT_EQ(reply["type"], "ok");
  auto answers = a.link->of("answer");
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0]["from"], "robot-1");
  EXPECT_EQ(answers[0]["answer"], answer);

  json cand = {{"candidate", "candidate:1 1 udp 1 127.0.0.1 5000 typ host"},
               {"sdpMid", "0"},
               {"sdpMLineIndex", 0}};
  send(r, {{"type", "ice-candidate"}, {"to", "alice#1"}, {"candidate", cand}});
  send(a, {{"type", "ice-candidate"}, {"to", "robot-1"}, {"candidate", cand}});
  ASSERT_EQ(a.link->of("ice-candidate").size(), 1u);
  EXPECT_EQ(a.link->of("ice-candidate")[0]["candidate"], cand);
  EXPECT_EQ(a.link->of("ice-candidate")[0]["from"], "robot-1");
  ASSERT_EQ(r.link->of("ice-candidate").size(), 1u);
  EXPECT_EQ(r.link->of("ice-candidate")[0]["from"], "alice#1");
}

TEST_F(HubTest, ViewerWithoutBookingIsRefused) {
  auto r = robot();
  auto b = viewer(kBob);
  auto reply = send(b, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}});
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["request"], "offer");
  EXPECT_NE(reply["error"].get<std::string>().find("no booking"), std::string::npos);
  EXPECT_TRUE(r.link->of("offer").empty());
  EXPECT_TRUE(gw.open.empty());
  // ICE without a session or access is refused too.
  reply = send(b, {{"type", "ice-candidate"}, {"to", "robot-1"}, {"candidate", json::object()}});
  EXPECT_EQ(reply["type"], "error");
  EXPECT_TRUE(r.link->of("ice-candidate").empty());
}

TEST_F(HubTest, RoutingErrors) {
  auto r = robot();
  auto a = viewer(kAdmin);
  auto b = viewer(kBob);
  auto unregistered = connect(kAlice);
  EXPECT_EQ(send(unregistered, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}})["error"],
            "register first");
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "bob#2"}, {"offer", offer()}})["error"],
            "viewers can only talk to robots");
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "robot-9"}, {"offer", offer()}})["error"],
            "'robot-9' is offline or unknown");
  // A robot answers only viewers with an open session.
  auto reply = send(r, {{"type", "answer"}, {"to", "bob#2"}, {"answer", offer()}});
  EXPECT_EQ(reply["type"], "error");
  EXPECT_TRUE(b.link->of("answer").empty());
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "robot-1"}})["type"], "error");
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "robot-1"}, {"offer", "text"}})["type"], "error");
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", 5}, {"offer", offer()}})["type"], "error");
  EXPECT_EQ(send(a, {{"type", "dance"}})["error"], "unknown message type 'dance'");
  EXPECT_EQ(send(a, json::array({1, 2}))["type"], "error");
  EXPECT_EQ(send(a, json())["type"], "error");
  EXPECT_EQ(send(a, {{"type", "register"}, {"userType", "martian"}})["type"], "error");
  EXPECT_TRUE(r.link->of("offer").empty());
}

TEST_F(HubTest, RobotReRegisteringReplacesTheOlderConnection) {
  auto old = robot();
  auto a = viewer(kAdmin);
  send(a, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}});
  ASSERT_EQ(old.link->of("offer").size(), 1u);
  auto fresh = robot();
  ASSERT_TRUE(old.link->closed);
  EXPECT_EQ(old.link->closed->second, "replaced by a newer connection");
  EXPECT_FALSE(fresh.link->closed);
  EXPECT_EQ(a.link->types(), (std::vector<std::string>{"registered", "robot-online",
                                                       "robot-offline", "robot-online"}));
  ASSERT_EQ(gw.closed.size(), 1u);  // the session with the old connection ended
  EXPECT_EQ(h.state_of("robot-1").viewers, 0u);
  EXPECT_TRUE(h.state_of("robot-1").online);
  // Offers now reach the new connection only.
  send(a, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}});
  EXPECT_EQ(fresh.link->of("offer").size(), 1u);
  EXPECT_EQ(old.link->of("offer").size(), 1u);
  // The old connection going away later changes nothing.
  h.detach(old.c);
  EXPECT_TRUE(h.state_of("robot-1").online);
}

TEST_F(HubTest, RobotDropEndsSessionsAndTellsViewers) {
  auto r = robot();
  auto a = viewer(kAdmin);
  send(a, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}});
  h.detach(r.c);
  EXPECT_FALSE(h.state_of("robot-1").online);
  ASSERT_EQ(a.link->of("robot-offline").size(), 1u);
  EXPECT_EQ(a.link->of("robot-offline")[0]["robotId"], "robot-1");
  ASSERT_EQ(gw.closed.size(), 1u);
  EXPECT_EQ(gw.closed[0].first, 1u);
  EXPECT_EQ(send(a, {{"type", "ice-candidate"}, {"to", "robot-1"}, {"candidate", nullptr}})["type"],
            "error");
  auto back = robot();
  EXPECT_EQ(a.link->of("robot-online").size(), 2u);
}

TEST_F(HubTest, ViewerLeaveAndDisconnectTellTheRobot) {
  auto r = robot();
  auto a = viewer(kAdmin);
  send(a, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}});
  EXPECT_EQ(send(a, {{"type", "leave"}, {"to", "robot-1"}})["type"], "ok");
  ASSERT_EQ(r.link->of("peer-left").size(), 1u);
  EXPECT_EQ(r.link->of("peer-left")[0]["from"], "admin#1");
  EXPECT_EQ(r.link->of("peer-left")[0]["reason"], "closed by viewer");
  ASSERT_EQ(gw.closed.size(), 1u);
  EXPECT_EQ(gw.closed[0].second, access::end_reason::viewer_closed);
  EXPECT_EQ(send(a, {{"type", "leave"}, {"to", "robot-1"}})["type"], "error");

  send(a, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}});
  h.detach(a.c);
  ASSERT_EQ(r.link->of("peer-left").size(), 2u);
  EXPECT_EQ(r.link->of("peer-left")[1]["reason"], "disconnected");
  EXPECT_EQ(gw.closed.size(), 2u);
  EXPECT_EQ(h.state_of("robot-1").viewers, 0u);
}

TEST_F(HubTest, BookingEndCutsTheViewer) {
  auto r = robot();
  gw.bookings.insert({kAlice.user_id, 1});
  auto a = viewer(kAlice);
  send(a, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}});
  auto session = gw.open.at(1).lock();
  ASSERT_TRUE(session);
  session->warn(1234);
  ASSERT_EQ(a.link->of("session-expiring").size(), 1u);
  EXPECT_EQ(a.link->of("session-expiring")[0]["ends_at"], 1234);
  session->cut(access::end_reason::booking_ended);
  ASSERT_EQ(a.link->of("session-ended").size(), 1u);
  EXPECT_EQ(a.link->of("session-ended")[0]["reason"], "booking ended");
  ASSERT_TRUE(a.link->closed);
  EXPECT_EQ(a.link->closed->first, 4001);
  ASSERT_EQ(r.link->of("peer-left").size(), 1u);
  EXPECT_EQ(r.link->of("peer-left")[0]["reason"], "booking ended");
  EXPECT_EQ(h.state_of("robot-1").viewers, 0u);
  EXPECT_EQ(h.connections(), 1u);
}

TEST_F(HubTest, TokenExpiryClosesWith4002) {
  auto r = robot();
  h.end(r.c, access::end_reason::token_expired);
  ASSERT_TRUE(r.link->closed);
  EXPECT_EQ(r.link->closed->first, 4002);
  EXPECT_FALSE(h.state_of("robot-1").online);
}

TEST_F(HubTest, RateLimitPerConnection) {
  auto a = viewer(kAdmin);  // one message used
  int errors = 0;
  for (int i = 0; i < 30; ++i) {
    auto reply = send(a, {{"type", "register"}, {"userType", "viewer"}});
    if (reply["type"] == "error") {
      ++errors;
      EXPECT_NE(reply["error"].get<std::string>().find("rate limit"), std::string::npos);
    }
  }
  EXPECT_EQ(errors, 11);                      // burst 20
  EXPECT_EQ(a.link->of("error").size(), 1u);  // one notice a second
  now += 1000;                                // 10 more tokens
  EXPECT_EQ(send(a, {{"type", "register"}, {"userType", "viewer"}})["type"], "registered");
}

TEST_F(HubTest, ConnectionCapPerUser) {
  auto a1 = connect(kAlice);
  auto a2 = connect(kAlice);
  auto a3 = connect(kAlice);
  std::string error;
  EXPECT_FALSE(h.attach(std::make_shared<fake_link>(), kAlice, 0, "", &error));
  EXPECT_NE(error.find("too many"), std::string::npos);
  EXPECT_TRUE(h.attach(std::make_shared<fake_link>(), kBob, 0, ""));
  h.detach(a1.c);
  h.detach(a1.c);  // idempotent
  EXPECT_TRUE(h.attach(std::make_shared<fake_link>(), kAlice, 0, ""));
  EXPECT_FALSE(h.attach(std::make_shared<fake_link>(), kAlice, 0, ""));
}

}  // namespace

// Issue 12: a deleted user's or a revoked token's signaling connections end too, with
// their own reasons; everyone else stays.
TEST_F(HubTest, ConnectionsOfRevokedCredentialsEnd) {
  auto r = robot();
  auto alice = viewer(kAlice);
  auto bob = viewer(kBob);
  auto admin = viewer(kAdmin);
  store::access_rows rows;
  rows.users = {{kRobot1.user_id, "robot-1", "robot", 1},
                {kBob.user_id, "bob", "user", 2},        // logged out since his token
                {kAdmin.user_id, "admin", "admin", 1}};  // alice is gone
  const auto snap = access::access_snapshot::build(rows);
  EXPECT_EQ(h.end_revoked(*snap), 2u);
  ASSERT_TRUE(alice.link->closed);
  EXPECT_EQ(*alice.link->closed, (std::pair<std::uint16_t, std::string>{4005, "user removed"}));
  ASSERT_TRUE(bob.link->closed);
  EXPECT_EQ(*bob.link->closed, (std::pair<std::uint16_t, std::string>{4006, "token revoked"}));
  EXPECT_FALSE(admin.link->closed);
  EXPECT_FALSE(r.link->closed);
  EXPECT_EQ(h.end_revoked(*snap), 0u);  // already ended
}

// Relay mode: viewers' media goes to the relay, which answers as the robot and is the
// robot's one viewer.
using camgate::signaling::testing::fake_relay;

TEST_F(HubTest, RelayModeRoutesViewersToTheRelayAndTheRelayToTheRobot) {
  fake_relay relay;
  h.set_relay(&relay);
  auto r = robot();
  EXPECT_EQ(relay.calls, std::vector<std::string>{"online robot-1"});
  gw.bookings.insert({kAlice.user_id, 1});
  auto a = viewer(kAlice);
  const std::string alice = a.link->of("registered")[0]["peerId"];
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "robot-1"}, {"offer", offer()}})["type"], "ok");
  EXPECT_EQ(send(a, {{"type", "ice-candidate"},
                     {"to", "robot-1"},
                     {"candidate", {{"candidate", "c"}}}})["type"],
            "ok");
  EXPECT_TRUE(r.link->of("offer").empty()) << "the robot never sees the viewer's offer";
  EXPECT_EQ(h.state_of("robot-1").viewers, 1u);
  // The relay answers as the robot; only a viewer with a session hears it.
  EXPECT_TRUE(h.to_viewer(alice, "robot-1", "answer", offer()));
  EXPECT_EQ(a.link->of("answer").at(0)["from"], "robot-1");
  EXPECT_FALSE(h.to_viewer(alice, "robot-2", "answer", offer()));
  // The relay talks to the robot as "camgate-relay", and the robot answers it.
  EXPECT_TRUE(h.to_robot("robot-1", "offer", offer()));
  EXPECT_EQ(r.link->of("offer").at(0)["from"], "camgate-relay");
  EXPECT_TRUE(h.to_robot("robot-1", "peer-left", {{"reason", "no viewers"}}));
  EXPECT_EQ(r.link->of("peer-left").at(0)["reason"], "no viewers");
  EXPECT_FALSE(h.to_robot("robot-2", "offer", offer())) << "offline";
  EXPECT_EQ(send(r, {{"type", "answer"}, {"to", "camgate-relay"}, {"answer", offer()}})["type"],
            "ok");
  EXPECT_EQ(send(r, {{"type", "offer"}, {"to", "camgate-relay"}, {"offer", offer()}})["type"],
            "error");
  // A cut drops the viewer's media at the relay; the robot is not told about the viewer.
  h.end(a.c, access::end_reason::booking_ended);
  const std::vector<std::string> want{"online robot-1", "viewer robot-1 " + alice + " offer",
                                      "viewer robot-1 " + alice + " ice-candidate",
                                      "robot robot-1 answer", "left robot-1 " + alice};
  EXPECT_EQ(relay.calls, want);
  EXPECT_EQ(r.link->of("peer-left").size(), 1u) << "only the relay's own peer-left";
  h.set_relay(nullptr);
}

// Cameras over signaling: "camera:<id>" is the gateway's encoder of that camera.
namespace {
struct fake_cameras : camera_port {
  std::vector<std::string> calls;  // "viewer <id> <viewer> <type>", "left <id> <viewer>"
  void viewer_message(std::int64_t id, const std::string& viewer, std::string_view type,
                      const json&) override {
    calls.push_back("viewer " + std::to_string(id) + " " + viewer + " " + std::string(type));
  }
  void viewer_left(std::int64_t id, const std::string& viewer) override {
    calls.push_back("left " + std::to_string(id) + " " + viewer);
  }
};
}  // namespace

TEST_F(HubTest, CameraPeerNamesAreCanonical) {
  EXPECT_EQ(hub::camera_peer("camera:3"), 3);
  EXPECT_EQ(hub::camera_peer("camera:123456789"), 123456789);
  for (const char* bad : {"camera:", "camera:0", "camera:03", "camera:3x", "camera:-3", "robot-1",
                          "camera:99999999999999999999", "Camera:3"})
    EXPECT_FALSE(hub::camera_peer(bad)) << bad;
}

TEST_F(HubTest, ViewersOfferToCamerasUnderTheBookingPolicy) {
  auto a = viewer(kAlice);
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "camera:3"}, {"offer", offer()}})["error"],
            "cameras over WebRTC are not available here");
  fake_cameras cams;
  h.set_cameras(&cams);
  auto refused = send(a, {{"type", "offer"}, {"to", "camera:3"}, {"offer", offer()}});
  EXPECT_EQ(refused["error"], "not allowed to use 'camera:3': no booking");
  EXPECT_EQ(
      send(a,
           {{"type", "ice-candidate"}, {"to", "camera:3"}, {"candidate", json::object()}})["error"],
      "no open session with 'camera:3'");
  EXPECT_TRUE(cams.calls.empty());

  gw.camera_bookings.insert({kAlice.user_id, 3});
  const std::string alice = a.link->of("registered")[0]["peerId"];
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "camera:3"}, {"offer", offer()}})["type"], "ok");
  EXPECT_EQ(
      send(a,
           {{"type", "ice-candidate"}, {"to", "camera:3"}, {"candidate", json::object()}})["type"],
      "ok");
  EXPECT_EQ(cams.calls, (std::vector<std::string>{"viewer 3 " + alice + " offer",
                                                  "viewer 3 " + alice + " ice-candidate"}));
  ASSERT_EQ(gw.opened.size(), 1u);
  EXPECT_EQ(gw.opened[0], access::camera_resource(3));

  // The camera answers as "camera:3".
  EXPECT_TRUE(h.to_viewer(alice, "camera:3", "answer", {{"type", "answer"}, {"sdp", "v=0"}}));
  ASSERT_EQ(a.link->of("answer").size(), 1u);
  EXPECT_EQ(a.link->of("answer")[0]["from"], "camera:3");

  // A robot does not talk to cameras; a camera id that is not canonical is no camera.
  auto r = robot();
  EXPECT_EQ(send(r, {{"type", "offer"}, {"to", "camera:3"}, {"offer", offer()}})["error"],
            "robots talk to their viewers, not to cameras");
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "camera:03"}, {"offer", offer()}})["error"],
            "'camera:03' is offline or unknown");

  // The gateway drops the session (camera removed): the viewer hears it, the registry too.
  EXPECT_TRUE(h.drop_session(alice, "camera:3", "camera removed"));
  ASSERT_EQ(a.link->of("peer-left").size(), 1u);
  EXPECT_EQ(a.link->of("peer-left")[0]["from"], "camera:3");
  EXPECT_EQ(a.link->of("peer-left")[0]["reason"], "camera removed");
  EXPECT_EQ(cams.calls.back(), "left 3 " + alice);
  EXPECT_EQ(gw.closed.size(), 1u);
  EXPECT_FALSE(h.drop_session(alice, "camera:3", "again"));

  // A new session, then the viewer disconnects: the camera hears it left.
  EXPECT_EQ(send(a, {{"type", "offer"}, {"to", "camera:3"}, {"offer", offer()}})["type"], "ok");
  h.detach(a.c);
  EXPECT_EQ(cams.calls.back(), "left 3 " + alice);
  EXPECT_EQ(gw.closed.size(), 2u);
}

// hub::relay, the Socket.IO fast path: the same routing, checks and limits as receive(),
// the payload forwarded as the client wrote it.
TEST_F(HubTest, FastRelayForwardsAsSentWithTheSameChecks) {
  auto r = robot();
  gw.bookings.insert({kAlice.user_id, 1});
  auto a = viewer(kAlice);
  auto b = viewer(kBob);  // no booking
  const std::string cand = R"({"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host"})";

  // No session yet: the offer opens it through the general path.
  auto reply = h.relay(a.c, "ice-candidate", "robot-1", cand);
  EXPECT_FALSE(reply) << reply->dump();  // candidates before the offer pass (p2p)
  EXPECT_FALSE(h.relay(a.c, "offer", "robot-1", R"({"type":"offer","sdp":"v=0"})"));
  EXPECT_EQ(gw.open.size(), 1u);
  EXPECT_EQ(r.link->of("offer").at(0)["from"], "alice#1");

  EXPECT_FALSE(h.relay(a.c, "ice-candidate", "robot-1", cand));
  EXPECT_FALSE(h.relay(r.c, "ice-candidate", "alice#1", cand));
  EXPECT_EQ(r.link->of("ice-candidate").back()["candidate"], json::parse(cand));
  EXPECT_EQ(r.link->of("ice-candidate").back()["from"], "alice#1");
  EXPECT_EQ(a.link->of("ice-candidate").back()["from"], "robot-1");

  reply = h.relay(b.c, "offer", "robot-1", "{}");
  ASSERT_TRUE(reply);
  EXPECT_NE((*reply)["error"].get<std::string>().find("no booking"), std::string::npos);
  reply = h.relay(r.c, "answer", "bob#2", "{}");
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["error"], "no open session with 'bob#2'");
  reply = h.relay(a.c, "offer", "alice#1", "{}");
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["error"], "viewers can only talk to robots");

  // The rate limit counts these messages too.
  int limited = 0;
  for (int i = 0; i < 30; ++i)
    if (auto e = h.relay(a.c, "ice-candidate", "robot-1", cand)) ++limited;
  EXPECT_GT(limited, 0);

  // A session cut ends it: nothing more goes through.
  h.detach(a.c);
  reply = h.relay(a.c, "ice-candidate", "robot-1", cand);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["error"], "connection closed");
}
