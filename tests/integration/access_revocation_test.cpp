// Tokens and live streams follow every access change within a second, whoever made it:
// the API, or the CLI in another process while the gateway runs (issue 12, finding 3).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs `camgate ARGS --data DIR` (another process than the gateway); returns stdout.
std::string cli(const gateway& gw, const std::string& args) {
  const std::string cmd =
      "'" + bin_path("camgate") + "' " + args + " --data '" + gw.data_dir() + "'";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    EXPECT_EQ(pclose(p), 0) << cmd << ": " << out;
  }
  return out;
}

std::int64_t cli_booking_add(const gateway& gw, const std::string& user, std::int64_t camera,
                             std::int64_t from, std::int64_t to) {
  const auto out =
      cli(gw, "booking add --user " + user + " --resource camera:" + std::to_string(camera) +
                  " --start " + std::to_string(from) + " --end " + std::to_string(to));
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(booking (\d+) added)"))) return 0;
  return std::stoll(m[1]);
}

// Reads until the gateway closes the WebSocket; returns how long that took.
std::chrono::milliseconds wait_closed(ws_client& ws, std::chrono::seconds limit = 3s) {
  const auto start = std::chrono::steady_clock::now();
  while (ws.next_message(limit)) {
    if (std::chrono::steady_clock::now() - start > limit) break;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

// Polls until `target` answers `status` with `token`, for at most `limit`.
bool becomes(gateway& gw, const std::string& target, const std::string& token, unsigned status,
             std::chrono::milliseconds limit = 1000ms) {
  const auto until = std::chrono::steady_clock::now() + limit;
  do {
    if (gw.get(target, token).status == status) return true;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < until);
  return false;
}

std::string add_user(gateway& gw, const std::string& name, const std::string& role) {
  auto r =
      gw.post("/api/users",
              json{{"username", name}, {"password", "password-" + name}, {"role", role}}.dump(),
              gw.admin_token());
  EXPECT_EQ(r.status, 201u) << r.body;
  return r.body;
}

std::int64_t id_of(const std::string& user_json) {
  return json::parse(user_json).at("user").at("id").get<std::int64_t>();
}

class AccessRevocation : public ::testing::Test {
 protected:
  camsim cam;
  gateway gw;
  std::int64_t id = gw.add_camera(cam.port, gw.admin_token());
  std::string base() const { return "/api/cameras/" + std::to_string(id); }
  std::string ws_url(const std::string& token) const {
    return base() + "/ws?format=binary&access_token=" + token;
  }
};

}  // namespace

TEST_F(AccessRevocation, CliExtensionKeepsTheStreamAndCliShorteningCutsItWithin1s) {
  const auto first_end = now() + 3;
  const auto booking = gw.book("alice", id, now() - 1, first_end);
  ws_client ws(gw.port(), ws_url(gw.user_token()));
  ASSERT_TRUE(ws.handshake_ok());
  ASSERT_TRUE(ws.next_message(3s));

  cli(gw, "booking update " + std::to_string(booking) + " --end " + std::to_string(now() + 60));
  EXPECT_NE(cli(gw, "booking list --user alice").find(std::to_string(booking) + "\talice"),
            std::string::npos);
  // Past the first end: frames keep coming.
  while (now() <= first_end + 1) ASSERT_TRUE(ws.next_message(2s)) << "cut at the old end";
  EXPECT_FALSE(ws.closed());

  cli(gw, "booking update " + std::to_string(booking) + " --end " + std::to_string(now()));
  const auto took = wait_closed(ws);
  EXPECT_TRUE(ws.closed());
  EXPECT_LT(took, 1000ms) << "the CLI's shortening reached the stream late";
  EXPECT_EQ(ws.close_reason().code, 4001);
}

TEST_F(AccessRevocation, CliBookingThatContinuesTheFirstKeepsTheStreamAndCliDeleteCutsIt) {
  const auto first_end = now() + 3;
  gw.book("alice", id, now() - 1, first_end);
  mjpeg_reader mjpeg(gw.port(), base() + "/stream?access_token=" + gw.user_token());
  ASSERT_EQ(mjpeg.status(), 200u);
  const auto next = cli_booking_add(gw, "alice", id, first_end, now() + 60);
  ASSERT_GT(next, 0);
  while (now() <= first_end + 1) ASSERT_TRUE(mjpeg.next_frame(2s)) << "cut at the first end";

  cli(gw, "booking delete " + std::to_string(next));
  const auto start = std::chrono::steady_clock::now();
  while (mjpeg.next_frame(1500ms)) ASSERT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  // The audit says why, and it is not "booking ended" at the first end.
  const auto audit = json::parse(gw.get("/api/audit?user_id=2", gw.admin_token()).body);
  ASSERT_EQ(audit.at("entries").size(), 1u) << audit.dump();
}

TEST_F(AccessRevocation, DeletedUsersTokenIsRefusedAndTheirStreamsEnd) {
  gw.book("alice", id, now() - 1, now() + 3600);
  ws_client ws(gw.port(), ws_url(gw.user_token()));
  ASSERT_TRUE(ws.handshake_ok());
  ASSERT_TRUE(ws.next_message(3s));
  cli(gw, "user delete alice");
  EXPECT_LT(wait_closed(ws), 1000ms);
  EXPECT_EQ(ws.close_reason().code, 4005);
  EXPECT_EQ(std::string(ws.close_reason().reason.c_str()), "user removed");
  auto r = gw.get("/auth/me", gw.user_token());
  EXPECT_EQ(r.status, 401u);
  EXPECT_NE(r.body.find("user removed"), std::string::npos) << r.body;
  for (int i = 0; i < 20; ++i) {
    const auto entries = json::parse(gw.get("/api/audit", gw.admin_token()).body).at("entries");
    if (!entries.empty() && !entries[0].at("end_reason").is_null()) {
      EXPECT_EQ(entries[0].at("end_reason"), "user removed");
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
}

TEST_F(AccessRevocation, DeletedAdminsTokenCannotCreateAnAdmin) {
  add_user(gw, "boss", "admin");
  const auto boss = gw.login("boss", "password-boss");
  const auto boss_id = json::parse(gw.get("/auth/me", boss).body).at("user").at("id");
  ASSERT_EQ(gw.del("/api/users/" + boss_id.dump(), gw.admin_token()).status, 200u);
  auto r = gw.post(
      "/api/users",
      json{{"username", "mallory"}, {"password", "password-1"}, {"role", "admin"}}.dump(), boss);
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_THROW(gw.login("mallory", "password-1"), std::runtime_error);
}

TEST_F(AccessRevocation, AUserIdIsNeverReusedSoAnOldTokenReadsNothing) {
  const auto bob_id = id_of(add_user(gw, "bob", "user"));
  const auto bob = gw.login("bob", "password-bob");
  ASSERT_EQ(gw.del("/api/users/" + std::to_string(bob_id), gw.admin_token()).status, 200u);
  const auto carol_id = id_of(add_user(gw, "carol", "user"));
  EXPECT_GT(carol_id, bob_id);
  gw.book("carol", id, now() - 1, now() + 3600);
  EXPECT_EQ(gw.get(base() + "/snapshot", bob).status, 401u);
  EXPECT_EQ(gw.get(base() + "/snapshot", gw.login("carol", "password-carol")).status, 200u);
}

TEST_F(AccessRevocation, LogoutRevokesEveryTokenAndTicketAndEndsStreams) {
  gw.book("alice", id, now() - 1, now() + 3600);
  const auto other_tab = gw.login("alice", gateway::user_password);
  auto ticket = gw.post("/auth/stream-ticket",
                        json{{"resource", "camera:" + std::to_string(id)}}.dump(), gw.user_token());
  ASSERT_EQ(ticket.status, 200u) << ticket.body;
  const auto t = json::parse(ticket.body).at("ticket").get<std::string>();
  ws_client ws(gw.port(), ws_url(gw.user_token()));
  ASSERT_TRUE(ws.handshake_ok());
  ASSERT_TRUE(ws.next_message(3s));

  auto out = gw.post("/auth/logout", "", other_tab);
  ASSERT_EQ(out.status, 200u);
  EXPECT_EQ(json::parse(out.body), (json{{"success", true}}));  // the seed's JSON, unchanged
  EXPECT_LT(wait_closed(ws), 1000ms);
  EXPECT_EQ(ws.close_reason().code, 4006);
  EXPECT_EQ(std::string(ws.close_reason().reason.c_str()), "token revoked");
  auto me = gw.get("/auth/me", gw.user_token());
  EXPECT_EQ(me.status, 401u);
  EXPECT_NE(me.body.find("token revoked"), std::string::npos) << me.body;
  EXPECT_EQ(gw.get("/auth/me", other_tab).status, 401u);
  EXPECT_EQ(
      http_request(gw.port(), camgate::http::verb::get, base() + "/snapshot?ticket=" + t).status,
      401u);
  // A new login works again.
  EXPECT_EQ(gw.get("/auth/me", gw.login("alice", gateway::user_password)).status, 200u);
}

TEST_F(AccessRevocation, DemotedAdminCannotActAsAdminWithin1s) {
  add_user(gw, "boss", "admin");
  const auto boss = gw.login("boss", "password-boss");
  ASSERT_EQ(gw.get("/api/users", boss).status, 200u);
  cli(gw, "user set-role boss --role user");
  EXPECT_TRUE(becomes(gw, "/api/users", boss, 401u)) << "the demoted admin's token still works";
  // Logged in again, boss is a user.
  EXPECT_EQ(gw.get("/api/users", gw.login("boss", "password-boss")).status, 403u);
}
