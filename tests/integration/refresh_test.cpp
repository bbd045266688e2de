// Rotating refresh tokens against the real gateway: login -> refresh -> refresh, reuse
// detection, revocation (logout, password and role change, deletion, the admin's
// sessions endpoint), the cookie, malformed input and the rate limit (issue 18).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;
namespace http = camgate::http;

namespace {

struct session {
  std::string access;
  std::string refresh;
};

session session_of(const http_result& r) {
  const auto j = json::parse(r.body);
  return {j.at("access_token").get<std::string>(), j.at("refresh_token").get<std::string>()};
}

session login(gateway& gw, const std::string& name, const std::string& password) {
  auto r = http_request(gw.port(), http::verb::post, "/auth/login",
                        json{{"username", name}, {"password", password}}.dump());
  EXPECT_EQ(r.status, 200u) << r.body;
  return session_of(r);
}

http_result refresh(gateway& gw, const std::string& token) {
  return http_request(gw.port(), http::verb::post, "/auth/refresh",
                      json{{"refresh_token", token}}.dump());
}

// The error of a {"success": false, "error": ...} body, or why it is not one.
std::string error_of(const http_result& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || j.value("success", true) != false) return "<not an error body: " + r.body;
  return j.value("error", "");
}

// The value a Set-Cookie sets ("name=value; ...").
std::string cookie_value(const std::string& set_cookie) {
  const auto eq = set_cookie.find('=');
  return set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
}

}  // namespace

TEST(Refresh, LoginAddsRefreshFieldsAndEachRefreshRotates) {
  gateway gw;
  auto r = http_request(gw.port(), http::verb::post, "/auth/login",
                        json{{"username", "alice"}, {"password", gateway::user_password}}.dump());
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto j = json::parse(r.body);
  // The seed's fields as they were, then ours.
  EXPECT_EQ(j.at("token_type"), "bearer");
  EXPECT_EQ(j.at("expires_in"), 3600);
  EXPECT_EQ(j.at("user").at("name"), "alice");
  EXPECT_EQ(j.at("refresh_token").get<std::string>().size(), 43u);
  EXPECT_EQ(j.at("refresh_expires_in"), 30 * 86400);
  EXPECT_GT(j.at("refresh_expires_at").get<std::int64_t>(), j.at("expires_at").get<std::int64_t>());

  auto s0 = session_of(r);
  auto r1 = refresh(gw, s0.refresh);
  ASSERT_EQ(r1.status, 200u) << r1.body;
  const auto j1 = json::parse(r1.body);
  EXPECT_EQ(j1.at("token_type"), "bearer");
  EXPECT_EQ(j1.at("user").at("name"), "alice");
  EXPECT_TRUE(j1.contains("expires_at") && j1.contains("refresh_expires_at"));
  auto s1 = session_of(r1);
  EXPECT_NE(s1.refresh, s0.refresh);
  auto me = gw.get("/auth/me", s1.access);
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(json::parse(me.body).at("user").at("name"), "alice");
  EXPECT_GT(json::parse(me.body).at("expires_at").get<std::int64_t>(), 0);
  auto r2 = refresh(gw, s1.refresh);
  ASSERT_EQ(r2.status, 200u) << r2.body;
  EXPECT_EQ(gw.get("/api/cameras", session_of(r2).access).status, 200u);
}

TEST(Refresh, AReusedTokenEndsTheWholeSessionAndIsAudited) {
  gateway gw;
  auto s0 = login(gw, "alice", gateway::user_password);
  auto s1 = session_of(refresh(gw, s0.refresh));
  auto again = refresh(gw, s0.refresh);  // a stolen copy of the used token
  EXPECT_EQ(again.status, 401u);
  EXPECT_NE(error_of(again).find("already used"), std::string::npos) << again.body;
  auto newest = refresh(gw, s1.refresh);  // the family's newest token died with it
  EXPECT_EQ(newest.status, 401u);
  EXPECT_EQ(error_of(newest), "refresh token revoked");

  auto audit = gw.get("/api/audit?protocol=refresh-reuse", gw.admin_token());
  ASSERT_EQ(audit.status, 200u) << audit.body;
  const auto entries = json::parse(audit.body).at("entries");
  ASSERT_EQ(entries.size(), 1u) << audit.body;
  EXPECT_EQ(entries[0].at("user_name"), "alice");
  EXPECT_EQ(entries[0].at("remote"), "127.0.0.1");
}

TEST(Refresh, LogoutPasswordAndRoleChangesAndDeletionRevoke) {
  gateway gw;
  // Logout with the access token and the refresh token in the body.
  auto a = login(gw, "alice", gateway::user_password);
  auto out = http_request(gw.port(), http::verb::post, "/auth/logout",
                          json{{"refresh_token", a.refresh}}.dump(), bearer(a.access));
  ASSERT_EQ(out.status, 200u);
  EXPECT_EQ(refresh(gw, a.refresh).status, 401u);

  // A password change: a robot's new device credential.
  auto robot = gw.post("/api/robots", R"({"name":"robot-1"})", gw.admin_token());
  ASSERT_EQ(robot.status, 201u) << robot.body;
  const auto robot_json = json::parse(robot.body);
  const auto robot_id = robot_json.at("robot").at("id").get<std::int64_t>();
  auto r = login(gw, "robot-1", robot_json.at("credential").get<std::string>());
  ASSERT_EQ(gw.post("/api/robots/" + std::to_string(robot_id) + "/credential", "", gw.admin_token())
                .status,
            200u);
  EXPECT_EQ(refresh(gw, r.refresh).status, 401u);

  // A role change by the CLI, another process, while the gateway runs.
  auto b = login(gw, "alice", gateway::user_password);
  const std::string cmd = "'" + bin_path("camgate") +
                          "' user set-role alice --role admin --data '" + gw.data_dir() +
                          "' >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(refresh(gw, b.refresh).status, 401u);

  // Deleting the user.
  auto bob_json =
      gw.post("/api/users", R"({"username":"bob","password":"bob-password-1","role":"user"})",
              gw.admin_token());
  ASSERT_EQ(bob_json.status, 201u) << bob_json.body;
  const auto bob_id = std::to_string(json::parse(bob_json.body).at("user").at("id").get<int>());
  auto bob = login(gw, "bob", "bob-password-1");
  ASSERT_EQ(gw.del("/api/users/" + bob_id, gw.admin_token()).status, 200u);
  auto gone = refresh(gw, bob.refresh);
  EXPECT_EQ(gone.status, 401u);
  EXPECT_EQ(error_of(gone), "unknown refresh token");
}

TEST(Refresh, AnAdminListsAndEndsAUsersSessions) {
  gateway gw;
  auto s = login(gw, "alice", gateway::user_password);
  auto s2 = session_of(refresh(gw, s.refresh));
  auto me = json::parse(gw.get("/auth/me", gw.user_token()).body);
  const auto alice = std::to_string(me.at("user").at("id").get<int>());
  EXPECT_EQ(gw.get("/api/users/" + alice + "/sessions", gw.user_token()).status, 403u);
  EXPECT_EQ(gw.get("/api/users/999/sessions", gw.admin_token()).status, 404u);
  auto list = gw.get("/api/users/" + alice + "/sessions", gw.admin_token());
  ASSERT_EQ(list.status, 200u) << list.body;
  // The fixture's login and ours: two families; ours was used once.
  const auto sessions = json::parse(list.body).at("sessions");
  ASSERT_EQ(sessions.size(), 2u) << list.body;
  EXPECT_FALSE(sessions[0].at("last_used_at").is_null()) << list.body;
  EXPECT_TRUE(sessions[1].at("last_used_at").is_null()) << list.body;
  EXPECT_GT(sessions[0].at("expires_at").get<std::int64_t>(),
            sessions[0].at("created_at").get<std::int64_t>());

  auto end = gw.del("/api/users/" + alice + "/sessions", gw.admin_token());
  ASSERT_EQ(end.status, 200u) << end.body;
  EXPECT_EQ(json::parse(end.body).at("revoked"), 2);
  EXPECT_EQ(refresh(gw, s2.refresh).status, 401u);
  EXPECT_EQ(gw.get("/auth/me", s2.access).status, 401u) << "access tokens end too";
  EXPECT_TRUE(json::parse(gw.get("/api/users/" + alice + "/sessions", gw.admin_token()).body)
                  .at("sessions")
                  .empty());
}

TEST(Refresh, TheCookieIsHttpOnlyStrictForAuthOnlyAndRotates) {
  gateway gw;
  auto r = http_request(gw.port(), http::verb::post, "/auth/login",
                        json{{"username", "alice"}, {"password", gateway::user_password}}.dump());
  ASSERT_EQ(r.status, 200u);
  const auto c = r.cookie("camgate_refresh");
  ASSERT_FALSE(c.empty()) << r.body;
  EXPECT_NE(c.find("HttpOnly"), std::string::npos) << c;
  EXPECT_NE(c.find("SameSite=Strict"), std::string::npos) << c;
  EXPECT_NE(c.find("Path=/auth/"), std::string::npos) << c;
  EXPECT_EQ(c.find("Secure"), std::string::npos) << "plain HTTP: " << c;
  EXPECT_FALSE(r.cookie("camgate_session").empty());
  const auto first = cookie_value(c);
  EXPECT_EQ(first, json::parse(r.body).at("refresh_token"));

  // No body: the cookie is the credential; both cookies come back renewed.
  auto r1 = http_request(gw.port(), http::verb::post, "/auth/refresh", "",
                         {{"Cookie", "theme=dark; camgate_refresh=" + first}});
  ASSERT_EQ(r1.status, 200u) << r1.body;
  const auto next = cookie_value(r1.cookie("camgate_refresh"));
  const auto access = cookie_value(r1.cookie("camgate_session"));
  EXPECT_NE(next, first);
  EXPECT_EQ(access, json::parse(r1.body).at("access_token"));
  auto me = http_request(gw.port(), http::verb::get, "/auth/me", "",
                         {{"Cookie", "camgate_session=" + access}});
  EXPECT_EQ(me.status, 200u) << me.body;

  // The old cookie again: reuse; the answer drops the cookie.
  auto reused = http_request(gw.port(), http::verb::post, "/auth/refresh", "",
                             {{"Cookie", "camgate_refresh=" + first}});
  EXPECT_EQ(reused.status, 401u);
  EXPECT_NE(reused.cookie("camgate_refresh").find("Max-Age=0"), std::string::npos);

  // Logout with only the cookies clears both.
  auto out = http_request(gw.port(), http::verb::post, "/auth/logout", "",
                          {{"Cookie", "camgate_refresh=" + next}});
  EXPECT_NE(out.cookie("camgate_refresh").find("Max-Age=0"), std::string::npos);
  EXPECT_NE(out.cookie("camgate_session").find("Max-Age=0"), std::string::npos);
}

TEST(Refresh, MalformedInputIs400JsonUnknownIs401AndRefreshesAreRateLimited) {
  gateway gw("[limits]\nrefresh_per_minute_ip = 1\nlogin_burst = 8\n");
  const auto post = [&](const std::string& body) {
    return http_request(gw.port(), http::verb::post, "/auth/refresh", body);
  };
  for (const auto& body :
       {std::string("not json"), std::string(R"({"refresh_token": 5})"),
        std::string(R"({"refresh_token": "short"})"), std::string("{}"), std::string("[1]")}) {
    auto r = post(body);
    EXPECT_EQ(r.status, 400u) << body << ": " << r.body;
    EXPECT_FALSE(error_of(r).empty()) << r.body;
    EXPECT_EQ(error_of(r).find("<not an error body"), std::string::npos) << r.body;
  }
  auto unknown = post(json{{"refresh_token", std::string(43, 'A')}}.dump());
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(error_of(unknown), "unknown refresh token");
  // Eight at once (login_burst), then one a minute.
  post("{}");
  post("{}");
  auto limited = post("{}");
  EXPECT_EQ(limited.status, 429u) << limited.body;
  EXPECT_FALSE(limited.header("retry-after").empty());
}
