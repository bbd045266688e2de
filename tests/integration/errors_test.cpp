// Bad input gets a 4xx/5xx with {"success": false, "error": "..."}; nothing crashes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;

namespace {
void expect_error(const http_result& r, unsigned status, const std::string& contains = "") {
  EXPECT_EQ(r.status, status) << r.body;
  auto j = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j.value("success", true), false);
  ASSERT_TRUE(j.contains("error") && j["error"].is_string()) << r.body;
  if (!contains.empty()) {
    EXPECT_NE(j["error"].get<std::string>().find(contains), std::string::npos) << r.body;
  }
}

std::uint16_t unused_port() {
  camgate::asio::io_context ioc;
  camgate::tcp::acceptor a(ioc,
                           camgate::tcp::endpoint(camgate::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

class Errors : public ::testing::Test {
 protected:
  gateway gw;
};
}  // namespace

TEST_F(Errors, NoOrBadTokenIs401) {
  for (const char* path :
       {"/api/cameras", "/streaming/camera-status", "/streaming/snapshot", "/metrics"}) {
    expect_error(http_request(gw.port(), camgate::http::verb::get, path), 401);
    expect_error(gw.get(path, "not-a-token"), 401, "invalid token");
    expect_error(gw.get(path, gw.user_token() + "x"), 401);
  }
  auto health = http_request(gw.port(), camgate::http::verb::get, "/health");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(json::parse(health.body).at("status"), "ok");
}

TEST_F(Errors, WrongPasswordIs401) {
  auto r = http_request(gw.port(), camgate::http::verb::post, "/auth/login",
                        json{{"username", "alice"}, {"password", "nope"}}.dump());
  expect_error(r, 401, "wrong username or password");
  auto unknown = http_request(gw.port(), camgate::http::verb::post, "/auth/login",
                              json{{"username", "mallory"}, {"password", "nope"}}.dump());
  expect_error(unknown, 401, "wrong username or password");
}

TEST_F(Errors, LoginAcceptsAFormBodyAsFastApiDoes) {
  auto r = http_request(gw.port(), camgate::http::verb::post, "/auth/login",
                        "username=alice&password=" + std::string(gateway::user_password),
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j.at("token_type"), "bearer");
  EXPECT_TRUE(j.at("expires_in").is_number_integer());
  EXPECT_FALSE(j.at("access_token").get<std::string>().empty());
}

TEST_F(Errors, SetupCameraRejectsBadInput) {
  const auto t = gw.user_token();
  expect_error(gw.post("/streaming/setup-camera", "{not json", t), 400, "JSON");
  expect_error(gw.post("/streaming/setup-camera", "[1,2]", t), 400);
  expect_error(gw.post("/streaming/setup-camera", R"({"port": 80})", t), 400, "ip_address");
  expect_error(gw.post("/streaming/setup-camera", R"({"ip_address": 5})", t), 400);
  expect_error(gw.post("/streaming/setup-camera", R"({"ip_address": "1.2.3.4", "port": 70000})", t),
               400, "port");
  expect_error(gw.post("/streaming/setup-camera", R"({"ip_address": "1.2.3.4", "port": "x"})", t),
               400, "port");
  expect_error(gw.post("/streaming/setup-camera", R"({"ip_address": "a b/c"})", t), 400);
}

TEST_F(Errors, UnreachableCameraIs502) {
  const auto port = unused_port();
  expect_error(gw.post("/streaming/setup-camera",
                       json{{"ip_address", "127.0.0.1"}, {"port", port}}.dump(), gw.admin_token()),
               502, "could not connect");
}

TEST_F(Errors, SilentCameraIs504) {
  // Accepts the TCP connection (the kernel does) and never answers.
  camgate::asio::io_context ioc;
  camgate::tcp::acceptor silent(
      ioc, camgate::tcp::endpoint(camgate::asio::ip::make_address("127.0.0.1"), 0));
  const auto port = silent.local_endpoint().port();
  expect_error(gw.post("/streaming/setup-camera",
                       json{{"ip_address", "127.0.0.1"}, {"port", port}}.dump(), gw.admin_token()),
               504);
}

TEST_F(Errors, NoCameraSelectedIs404OnEverySeedRead) {
  const auto t = gw.user_token();
  expect_error(gw.get("/streaming/snapshot", t), 404, "no camera selected");
  expect_error(gw.get("/streaming/stream", t), 404, "no camera selected");
  expect_error(gw.get("/streaming/ws-stream", t), 404, "no camera selected");
  expect_error(gw.post("/streaming/analyze-stream", "", t), 404, "no camera selected");
}

TEST_F(Errors, CameraApiRejectsBadInputAndUnknownIds) {
  const auto t = gw.admin_token();
  expect_error(gw.get("/api/cameras/abc", t), 400);
  expect_error(gw.get("/api/cameras/42", t), 404);
  expect_error(gw.get("/api/cameras/42/snapshot", t), 404);
  expect_error(gw.post("/api/cameras", R"({"name": "x"})", t), 400, "required");
  expect_error(gw.post("/api/cameras", R"({"ip_address": "1.2.3.4", "port": 0})", t), 400);
  expect_error(gw.post("/api/cameras", R"({"url": "ftp://x"})", t), 400);
  expect_error(gw.get("/nope", t), 404);
  expect_error(http_request(gw.port(), camgate::http::verb::put, "/api/cameras", "{}", bearer(t)),
               405);
}

TEST_F(Errors, OfflineCameraSnapshotIs502) {
  const auto id = gw.add_camera(unused_port(), gw.admin_token());
  expect_error(gw.get("/api/cameras/" + std::to_string(id) + "/snapshot", gw.admin_token()), 502,
               "unreachable");
}

TEST_F(Errors, MalformedHttpGetsA400AndTheServerLives) {
  camgate::asio::io_context ioc;
  camgate::tcp::socket s(ioc);
  s.connect(camgate::tcp::endpoint(camgate::asio::ip::make_address("127.0.0.1"), gw.port()));
  const std::string junk = "GARBAGE\x01\x02 / HTTP/9.9\r\n\r\n";
  camgate::asio::write(s, camgate::asio::buffer(junk));
  std::string reply(512, '\0');
  camgate::error_code ec;
  auto n = s.read_some(camgate::asio::buffer(reply), ec);
  reply.resize(n);
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  EXPECT_EQ(http_request(gw.port(), camgate::http::verb::get, "/health").status, 200u);
}
