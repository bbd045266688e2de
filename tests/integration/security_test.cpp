// Tokens, cookies, stream tickets, external JWTs, CORS, rate limits, robots and TLS,
// against the real gateway binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "auth/base64url.hpp"
#include "auth/hmac_sha256.hpp"
#include "core/asio.hpp"
#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;
namespace http = camgate::http;

namespace {
std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string error_of(const http_result& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || j.value("success", true) != false) return "<not an error body: " + r.body;
  return j.value("error", "");
}

std::string b64(std::string_view s) {
  return camgate::auth::base64url_encode(s);
}

std::string hs256(const json& header, const json& claims, std::string_view key) {
  const auto input = b64(header.dump()) + "." + b64(claims.dump());
  const auto mac = camgate::auth::hmac_sha256(key, input);
  return input + "." + b64(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

const std::string kExternalSecret = "the-dental-ai-backend-shares-this-32+byte-key";

class Security : public ::testing::Test {
 protected:
  camsim cam;
  gateway gw{
      "[external_jwt]\n"
      "algorithm = \"HS256\"\n"
      "secret = \"" +
      kExternalSecret +
      "\"\n"
      "issuer = \"dental-ai\"\n"
      "audience = \"camgate\"\n"
      "[cors]\n"
      "allowed_origins = [\"https://clinic.example\"]\n"};
  std::int64_t id = gw.add_camera(cam.port, gw.admin_token());
  std::string base() const { return "/api/cameras/" + std::to_string(id); }
};
}  // namespace

TEST_F(Security, LoginSetsAnHttpOnlyStrictCookieThatAuthenticatesAndLogoutClearsIt) {
  auto r = http_request(gw.port(), http::verb::post, "/auth/login",
                        json{{"username", "admin"}, {"password", gateway::admin_password}}.dump());
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto cookie = r.header("set-cookie");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cookie, m, std::regex("^camgate_session=([^;]+);"))) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP: " << cookie;
  const auto body = json::parse(r.body);
  EXPECT_EQ(m[1].str(), body.at("access_token").get<std::string>());
  EXPECT_EQ(body.at("user").at("role"), "admin");

  auto me = http_request(gw.port(), http::verb::get, "/auth/me", "",
                         {{"Cookie", "theme=dark; camgate_session=" + m[1].str()}});
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(json::parse(me.body).at("user").at("name"), "admin");
  // The cookie opens pictures too (an <img src> sends it).
  auto snap = http_request(gw.port(), http::verb::get, base() + "/snapshot", "",
                           {{"Cookie", "camgate_session=" + m[1].str()}});
  EXPECT_EQ(snap.status, 200u) << snap.body;
  EXPECT_EQ(http_request(gw.port(), http::verb::get, base() + "/snapshot").status, 401u);

  auto out = http_request(gw.port(), http::verb::post, "/auth/logout");
  ASSERT_EQ(out.status, 200u);
  EXPECT_NE(out.header("set-cookie").find("camgate_session=;"), std::string::npos);
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  auto bad = http_request(gw.port(), http::verb::get, "/auth/me", "",
                          {{"Cookie", "camgate_session=garbage"}});
  EXPECT_EQ(bad.status, 401u);
}

TEST_F(Security, AStreamTicketOpensOneCameraForAMinuteAndNothingElse) {
  camsim other_cam;
  const auto other = gw.add_camera(other_cam.port, gw.admin_token());
  auto r = gw.post("/auth/stream-ticket", json{{"resource", "camera:" + std::to_string(id)}}.dump(),
                   gw.admin_token());
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto j = json::parse(r.body);
  const auto ticket = j.at("ticket").get<std::string>();
  EXPECT_EQ(j.at("expires_in"), 60);
  EXPECT_NE(ticket, gw.admin_token());

  auto snap = http_request(gw.port(), http::verb::get, base() + "/snapshot?ticket=" + ticket);
  EXPECT_EQ(snap.status, 200u) << snap.body;
  EXPECT_EQ(snap.header("content-type"), "image/jpeg");
  ws_client ws(gw.port(), base() + "/ws?format=binary&ticket=" + ticket);
  ASSERT_TRUE(ws.handshake_ok());
  bool binary = false;
  ASSERT_TRUE(ws.next_message(std::chrono::seconds(5), &binary));
  EXPECT_TRUE(binary);

  auto elsewhere =
      http_request(gw.port(), http::verb::get,
                   "/api/cameras/" + std::to_string(other) + "/snapshot?ticket=" + ticket);
  EXPECT_EQ(elsewhere.status, 401u);
  EXPECT_EQ(error_of(elsewhere), "invalid ticket: ticket is for another resource");
  auto api = http_request(gw.port(), http::verb::get, "/api/cameras?ticket=" + ticket);
  EXPECT_EQ(api.status, 401u);
  EXPECT_EQ(error_of(api), "a stream ticket is not accepted here");
  // A ticket is not an access token.
  EXPECT_EQ(gw.get("/api/cameras", ticket).status, 401u);

  // No ticket for what the caller may not watch, nor for nonsense.
  auto denied = gw.post("/auth/stream-ticket",
                        json{{"resource", "camera:" + std::to_string(id)}}.dump(), gw.user_token());
  EXPECT_EQ(denied.status, 403u);
  EXPECT_EQ(error_of(denied), "no booking");
  for (const char* bad :
       {"camera:", "camera:x", "camera:01", "robots:1", "user:1", "robot:", "camera:1/x"}) {
    auto b = gw.post("/auth/stream-ticket", json{{"resource", bad}}.dump(), gw.admin_token());
    EXPECT_EQ(b.status, 400u) << bad << " " << b.body;
  }
  EXPECT_EQ(gw.post("/auth/stream-ticket", R"({"resource":"camera:999"})", gw.admin_token()).status,
            404u);
  EXPECT_EQ(gw.post("/auth/stream-ticket", R"({"resource":"robot:999"})", gw.admin_token()).status,
            404u);
}

TEST_F(Security, ForgedOrStaleTokensAreRefusedWithAReason) {
  const auto secret = read_file(gw.data_dir() + "/jwt_secret");
  ASSERT_GE(secret.size(), 32u);
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  auto own = [&](std::int64_t nbf, std::int64_t exp) {
    return json{{"sub", "1"}, {"name", "admin"}, {"role", "admin"}, {"iss", "camgate"},
                {"jti", "x"}, {"iat", nbf},      {"nbf", nbf},      {"exp", exp}};
  };
  const auto t = now();
  // Our own secret signs a valid token: the forgery below fails only where it should.
  ASSERT_EQ(gw.get("/auth/me", hs256(header, own(t - 10, t + 600), secret)).status, 200u);

  struct forged {
    std::string name, token, reason;
  };
  const std::vector<forged> cases = {
      {"alg none", b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(own(t, t + 600).dump()) + ".",
       "invalid token"},
      {"wrong key", hs256(header, own(t - 10, t + 600), "not-the-gateway-secret-at-all-32-bytes"),
       "invalid token"},
      {"expired", hs256(header, own(t - 7200, t - 3600), secret), "invalid token: token expired"},
      {"not yet valid", hs256(header, own(t + 3600, t + 7200), secret), "invalid token"},
      {"alg HS512", hs256({{"alg", "HS512"}, {"typ", "JWT"}}, own(t - 10, t + 600), secret),
       "invalid token"},
      {"garbage", "a.b.c", "invalid token"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = gw.get("/auth/me", c.token);
    EXPECT_EQ(r.status, 401u) << r.body;
    EXPECT_NE(error_of(r).find(c.reason), std::string::npos) << error_of(r);
    EXPECT_EQ(r.header("www-authenticate"), "Bearer");
  }
}

TEST_F(Security, ExternalJwtsAreCheckedAgainstTheConfiguredIssuerAudienceAndKey) {
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const auto t = now();
  auto claims = [&](json patch) {
    json c = {{"sub", "alice"}, {"iss", "dental-ai"}, {"aud", "camgate"},
              {"iat", t - 5},   {"exp", t + 600},     {"role", "user"}};
    if (patch.is_object()) c.merge_patch(patch);  // claims({}) passes null
    return c;
  };
  // Valid: the local user alice, with her bookings (none: 403, not 401).
  const auto valid = hs256(header, claims({}), kExternalSecret);
  auto me = gw.get("/auth/me", valid);
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(json::parse(me.body).at("user").at("name"), "alice");
  EXPECT_EQ(json::parse(me.body).at("user").at("role"), "user");
  EXPECT_EQ(gw.get(base() + "/snapshot", valid).status, 403u);
  // The issuer's admin role makes an admin.
  EXPECT_EQ(gw.get(base() + "/snapshot",
                   hs256(header, claims({{"sub", "admin"}, {"role", "admin"}}), kExternalSecret))
                .status,
            200u);

  struct forged {
    std::string name, token, reason;
  };
  const std::vector<forged> cases = {
      {"wrong issuer", hs256(header, claims({{"iss", "someone-else"}}), kExternalSecret), "issuer"},
      {"wrong audience", hs256(header, claims({{"aud", "other-app"}}), kExternalSecret),
       "audience"},
      {"expired", hs256(header, claims({{"exp", t - 3600}}), kExternalSecret), "expired"},
      {"not yet valid", hs256(header, claims({{"nbf", t + 3600}}), kExternalSecret), "not yet"},
      {"bad signature", hs256(header, claims({}), kExternalSecret + "x"), "signature"},
      {"alg none", b64(R"({"alg":"none"})") + "." + b64(claims({}).dump()) + ".", "invalid token"},
      {"wrong algorithm", hs256({{"alg", "RS256"}, {"typ", "JWT"}}, claims({}), kExternalSecret),
       "invalid token"},
      {"unknown user", hs256(header, claims({{"sub", "mallory"}}), kExternalSecret),
       "unknown user"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = gw.get("/auth/me", c.token);
    EXPECT_EQ(r.status, 401u) << r.body;
    EXPECT_NE(error_of(r).find(c.reason), std::string::npos) << error_of(r);
  }
}

TEST_F(Security, CorsAnswersPreflightsForAllowedOriginsOnly) {
  auto pre = http_request(gw.port(), http::verb::options, "/api/cameras", "",
                          {{"Origin", "https://clinic.example"},
                           {"Access-Control-Request-Method", "GET"},
                           {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_EQ(pre.status, 204u) << pre.body;
  EXPECT_EQ(pre.header("access-control-allow-origin"), "https://clinic.example");
  EXPECT_EQ(pre.header("access-control-allow-credentials"), "true");
  EXPECT_NE(pre.header("access-control-allow-methods").find("GET"), std::string::npos);
  EXPECT_NE(pre.header("access-control-allow-headers").find("uthorization"), std::string::npos);

  auto evil =
      http_request(gw.port(), http::verb::options, "/api/cameras", "",
                   {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(evil.status, 403u);
  EXPECT_EQ(evil.header("access-control-allow-origin"), "");

  auto get = http_request(
      gw.port(), http::verb::get, "/api/cameras", "",
      {{"Origin", "https://clinic.example"}, {"Authorization", "Bearer " + gw.admin_token()}});
  EXPECT_EQ(get.status, 200u);
  EXPECT_EQ(get.header("access-control-allow-origin"), "https://clinic.example");
  EXPECT_NE(get.header("vary").find("Origin"), std::string::npos);
  auto get_evil =
      http_request(gw.port(), http::verb::get, "/health", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(get_evil.status, 200u);
  EXPECT_EQ(get_evil.header("access-control-allow-origin"), "");
}

TEST(RateLimits, LoginAttemptsPerAddressGet429WithRetryAfter) {
  gateway gw{"[limits]\nlogin_per_minute_ip = 1\nlogin_per_minute_user = 0\nlogin_burst = 4\n"};
  // The fixture's two logins and two failures use the address's four attempts.
  for (int i = 0; i < 2; ++i) {
    auto r = http_request(gw.port(), http::verb::post, "/auth/login",
                          json{{"username", "alice"}, {"password", "wrong-password"}}.dump());
    EXPECT_EQ(r.status, 401u) << i;
  }
  auto r = http_request(gw.port(), http::verb::post, "/auth/login",
                        json{{"username", "admin"}, {"password", gateway::admin_password}}.dump());
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(error_of(r).rfind("too many login attempts from this address", 0), 0u) << r.body;
  ASSERT_FALSE(r.header("retry-after").empty());
  EXPECT_GE(std::stoi(r.header("retry-after")), 50);  // one attempt a minute
  EXPECT_LE(std::stoi(r.header("retry-after")), 60);
}

TEST(RateLimits, FailedLoginsPerUserNameApiRequestsAndStreamsAreCapped) {
  camsim cam;
  gateway gw{
      "[limits]\n"
      "login_per_minute_ip = 0\n"
      "login_per_minute_user = 1\n"
      "login_burst = 3\n"
      "api_per_second_user = 1\n"
      "api_burst = 20\n"
      "streams_per_user = 1\n"};
  // Successful logins cost nothing; three failures lock the name, not the address.
  for (int i = 0; i < 3; ++i) {
    auto r = http_request(gw.port(), http::verb::post, "/auth/login",
                          json{{"username", "alice"}, {"password", "wrong-password"}}.dump());
    EXPECT_EQ(r.status, 401u) << i;
  }
  auto locked =
      http_request(gw.port(), http::verb::post, "/auth/login",
                   json{{"username", "alice"}, {"password", gateway::user_password}}.dump());
  EXPECT_EQ(locked.status, 429u) << locked.body;
  EXPECT_EQ(error_of(locked).rfind("too many failed logins for this user", 0), 0u);
  EXPECT_FALSE(locked.header("retry-after").empty());
  EXPECT_FALSE(gw.login("admin", gateway::admin_password).empty());

  // API requests per user: a burst of 20, then 429; another user is not affected.
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 30; ++i) {
    auto a = gw.get("/api/cameras", gw.user_token());
    if (a.status == 200u) ++ok;
    if (a.status == 429u) {
      ++limited;
      retry_after = a.header("retry-after");
      EXPECT_EQ(error_of(a).rfind("too many requests", 0), 0u) << a.body;
    }
  }
  EXPECT_GE(ok, 20);
  EXPECT_LE(ok, 23);  // the bucket refills at 1/s during the loop
  EXPECT_EQ(ok + limited, 30);
  EXPECT_EQ(retry_after, "1");

  // Concurrent streams per user: one at a time; the slot is free once it closes.
  const auto stream =
      "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.admin_token();
  {
    mjpeg_reader first(gw.port(), stream);
    ASSERT_EQ(first.status(), 200u);
    ASSERT_TRUE(first.next_frame(std::chrono::seconds(5)));
    auto second = http_request(gw.port(), http::verb::get, stream);
    EXPECT_EQ(second.status, 429u);
    EXPECT_NE(error_of(second).find("too many concurrent streams"), std::string::npos);
  }
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    mjpeg_reader again(gw.port(), stream);
    reopened = again.status() == 200u;
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(reopened);
}

TEST(Robots, EnrolledByAnAdminLogInWithTheirOneTimeCredential) {
  gateway gw;
  auto refused = gw.post("/api/robots", R"({"name":"robot-1"})", gw.user_token());
  EXPECT_EQ(refused.status, 403u);
  auto r = gw.post("/api/robots", R"({"name":"robot-1"})", gw.admin_token());
  ASSERT_EQ(r.status, 201u) << r.body;
  const auto j = json::parse(r.body);
  const auto credential = j.at("credential").get<std::string>();
  EXPECT_EQ(credential.rfind("cgr_", 0), 0u);
  EXPECT_GE(credential.size(), 40u);
  const auto robot_id = j.at("robot").at("id").get<std::int64_t>();
  EXPECT_EQ(j.at("robot").at("online"), false);
  EXPECT_EQ(gw.post("/api/robots", R"({"name":"robot-1"})", gw.admin_token()).status, 409u);
  EXPECT_EQ(gw.post("/api/robots", R"({"name":"bad name!"})", gw.admin_token()).status, 400u);

  // The robot logs in like a person, and is a robot.
  const auto token = gw.login("robot-1", credential);
  auto me = json::parse(gw.get("/auth/me", token).body);
  EXPECT_EQ(me.at("user").at("role"), "robot");
  // It sees itself, never cameras.
  auto list = json::parse(gw.get("/api/robots", token).body);
  ASSERT_EQ(list.at("robots").size(), 1u);
  EXPECT_EQ(list.at("robots")[0].at("allowed_now"), true);
  auto users_view = json::parse(gw.get("/api/robots", gw.user_token()).body);
  EXPECT_EQ(users_view.at("robots")[0].at("allowed_now"), false);

  // A renewed credential replaces the old one.
  auto renewed =
      gw.post("/api/robots/" + std::to_string(robot_id) + "/credential", "", gw.admin_token());
  ASSERT_EQ(renewed.status, 200u) << renewed.body;
  const auto fresh = json::parse(renewed.body).at("credential").get<std::string>();
  EXPECT_NE(fresh, credential);
  EXPECT_THROW(gw.login("robot-1", credential), std::exception);
  EXPECT_FALSE(gw.login("robot-1", fresh).empty());

  EXPECT_EQ(gw.del("/api/robots/" + std::to_string(robot_id), gw.admin_token()).status, 200u);
  EXPECT_THROW(gw.login("robot-1", fresh), std::exception);
  EXPECT_EQ(gw.get("/api/robots/" + std::to_string(robot_id), gw.admin_token()).status, 404u);
}

TEST(Robots, TheCliPrintsTheCredentialOnceOnStdout) {
  gateway gw;
  gw.stop();
  const auto out_file = gw.data_dir() + "/robot.secret";
  const auto cmd = bin_path("camgate") + " robot add robot-7 --data " + gw.data_dir() + " > " +
                   out_file + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto credential = read_file(out_file);
  EXPECT_EQ(credential.rfind("cgr_", 0), 0u) << credential;
  EXPECT_EQ(credential.find('\n'), std::string::npos);
  EXPECT_NE(std::system((bin_path("camgate") + " robot add robot-7 --data " + gw.data_dir() +
                         " >/dev/null 2>&1")
                            .c_str()),
            0);
}

namespace {
// One HTTPS request or WSS message with a client that accepts the self-signed cert.
struct tls_client {
  camgate::asio::io_context ioc;
  camgate::ssl::context ctx{camgate::ssl::context::tls_client};
};
}  // namespace

TEST(Tls, HttpsAndWssServeOnTheSamePortAsPlainHttp) {
  temp_dir dir;
  const auto cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  const auto gen =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
      " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(gen.c_str()), 0) << "openssl is needed (scripts/install-deps)";
  camsim cam;
  gateway gw("", {"--tls-cert", cert, "--tls-key", key});
  const auto id = gw.add_camera(cam.port, gw.admin_token());  // over plain HTTP

  tls_client c;
  c.ctx.set_verify_mode(camgate::ssl::verify_none);
  camgate::beast::ssl_stream<camgate::beast::tcp_stream> s(c.ioc, c.ctx);
  s.next_layer().connect(
      camgate::tcp::endpoint(camgate::asio::ip::make_address("127.0.0.1"), gw.port()));
  s.handshake(camgate::ssl::stream_base::client);
  http::request<http::string_body> req{http::verb::post, "/auth/login", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = json{{"username", "admin"}, {"password", gateway::admin_password}}.dump();
  req.prepare_payload();
  http::write(s, req);
  camgate::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  // Over HTTPS the cookie is Secure.
  EXPECT_NE(std::string(res[http::field::set_cookie]).find("; Secure"), std::string::npos);

  camgate::websocket::stream<camgate::beast::ssl_stream<camgate::beast::tcp_stream>> ws(c.ioc,
                                                                                        c.ctx);
  camgate::beast::get_lowest_layer(ws).connect(
      camgate::tcp::endpoint(camgate::asio::ip::make_address("127.0.0.1"), gw.port()));
  ws.next_layer().handshake(camgate::ssl::stream_base::client);
  ws.handshake("127.0.0.1", "/api/cameras/" + std::to_string(id) +
                                "/ws?format=binary&access_token=" + gw.admin_token());
  camgate::beast::flat_buffer msg;
  ws.read(msg);
  EXPECT_TRUE(ws.got_binary());
  const auto bytes = camgate::beast::buffers_to_string(msg.data());
  ASSERT_GE(bytes.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0xD8);
  ws.close(camgate::websocket::close_code::normal);
}

TEST(Users, AdminsAddListAndRemoveAccountsUsersCannot) {
  gateway gw;
  EXPECT_EQ(gw.get("/api/users", gw.user_token()).status, 403u);
  auto added =
      gw.post("/api/users", R"({"username":"bob","password":"bob-password-1","role":"user"})",
              gw.admin_token());
  ASSERT_EQ(added.status, 201u) << added.body;
  const auto bob = json::parse(added.body).at("user").at("id").get<std::int64_t>();
  EXPECT_FALSE(gw.login("bob", "bob-password-1").empty());
  EXPECT_EQ(
      gw.post("/api/users", R"({"username":"bob","password":"bob-password-1"})", gw.admin_token())
          .status,
      409u);
  EXPECT_EQ(
      gw.post("/api/users", R"({"username":"eve","password":"short"})", gw.admin_token()).status,
      400u);
  EXPECT_EQ(gw.post("/api/users", R"({"username":"eve","password":"long-enough","role":"robot"})",
                    gw.admin_token())
                .status,
            400u);
  auto list = json::parse(gw.get("/api/users", gw.admin_token()).body).at("users");
  std::vector<std::string> names;
  for (const auto& u : list) names.push_back(u.at("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"admin", "alice", "bob"}));
  EXPECT_EQ(gw.del("/api/users/" + std::to_string(bob), gw.admin_token()).status, 200u);
  EXPECT_THROW(gw.login("bob", "bob-password-1"), std::exception);
}

TEST(Cameras, RenamingShowsInTheListAndBookingsNameTheirUser) {
  camsim cam;
  gateway gw;
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  auto r = camgate::testing::http_request(gw.port(), http::verb::patch,
                                          "/api/cameras/" + std::to_string(id),
                                          R"({"name":"Chair 2"})", bearer(gw.admin_token()));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto cam_json = json::parse(gw.get("/api/cameras/" + std::to_string(id), gw.admin_token()).body);
  EXPECT_EQ(cam_json.at("camera").at("name"), "Chair 2");
  EXPECT_TRUE(cam_json.at("camera").at("created_by").is_number_integer());
  gw.book("alice", id, now() - 10, now() + 3600);
  auto bookings = json::parse(gw.get("/api/bookings", gw.admin_token()).body);
  ASSERT_EQ(bookings.at("bookings").size(), 1u);
  EXPECT_EQ(bookings.at("bookings")[0].at("username"), "alice");
}
