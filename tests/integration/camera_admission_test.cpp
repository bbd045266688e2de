// Who may add which camera (issue 12): the strict camera URL, the gateway never being
// its own camera, one camera per device, rename and disconnect by owner only, and what
// non-admins may see. Against the real gateway and camsim binaries.
#include <gtest/gtest.h>

#include <csignal>
#include <mutex>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/asio.hpp"
#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;
namespace asio = camgate::asio;
namespace http = camgate::http;
using camgate::tcp;

namespace {

std::string error_of(const http_result& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || j.value("success", true) != false) return "<not an error body: " + r.body;
  return j.value("error", "");
}

std::uint16_t unused_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// A TCP listener on 127.0.0.1 that keeps every byte any client sends it.
class recorder {
 public:
  recorder()
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        port_(acceptor_.local_endpoint().port()) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~recorder() {
    asio::post(ioc_, [this] { ioc_.stop(); });
    thread_.join();
  }
  std::uint16_t port() const { return port_; }  // read before the I/O thread starts
  std::string received() {
    std::lock_guard lock(mutex_);
    return bytes_;
  }

 private:
  void accept() {
    acceptor_.async_accept([this](camgate::error_code ec, tcp::socket s) {
      if (ec) return;
      auto sock = std::make_shared<tcp::socket>(std::move(s));
      read(sock);
      accept();
    });
  }
  void read(std::shared_ptr<tcp::socket> sock) {
    auto buf = std::make_shared<std::array<char, 4096>>();
    sock->async_read_some(asio::buffer(*buf),
                          [this, sock, buf](camgate::error_code ec, std::size_t n) {
                            if (ec) return;
                            {
                              std::lock_guard lock(mutex_);
                              bytes_.append(buf->data(), n);
                            }
                            read(sock);
                          });
  }
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  const std::uint16_t port_;
  std::thread thread_;
  std::mutex mutex_;
  std::string bytes_;
};

json camera_body(const std::string& host, std::uint16_t port) {
  return {{"ip_address", host}, {"port", port}};
}

http_result patch(gateway& gw, const std::string& target, const std::string& body,
                  const std::string& token) {
  return http_request(gw.port(), http::verb::patch, target, body, bearer(token));
}

class CameraAdmission : public ::testing::Test {
 protected:
  gateway gw;
  std::size_t camera_count() {
    return json::parse(gw.get("/api/cameras", gw.admin_token()).body).at("cameras").size();
  }
};

// Users may add cameras on 127.0.0.0/8 (camsim's network) here.
class CameraAdmissionAllowed : public ::testing::Test {
 protected:
  gateway gw{"allowed_networks = [\"127.0.0.0/8\"]\n"};
};

}  // namespace

// Finding 1: the URL's path became the request line, so CR LF smuggled a second request
// to whatever listened there, on every reconnect.
TEST_F(CameraAdmission, HeaderInjectionInTheUrlIsRefusedAndNothingIsSent) {
  recorder target;
  const auto p = std::to_string(target.port());
  const std::string injected = "http://127.0.0.1:" + p +
                               "/ok HTTP/1.1\r\nHost: internal\r\nContent-Length: 0\r\n\r\n"
                               "POST /admin/reset-all HTTP/1.1\r\nHost: internal\r\n\r\n";
  for (const auto& token : {gw.admin_token(), gw.user_token()}) {
    auto r = gw.post("/api/cameras", json{{"url", injected}}.dump(), token);
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_NE(error_of(r).find("url"), std::string::npos) << r.body;
  }
  for (const char* bad : {"/a b", "/a\tb", "/a\nb", "/a\"b", "/%zz", "/caf\xc3\xa9"}) {
    auto r = gw.post("/api/cameras", json{{"url", "http://127.0.0.1:" + p + bad}}.dump(),
                     gw.admin_token());
    EXPECT_EQ(r.status, 400u) << bad << ": " << r.body;
    EXPECT_NE(error_of(r), "") << r.body;
  }
  auto creds = gw.post("/api/cameras", json{{"url", "http://u:pw@127.0.0.1:" + p + "/"}}.dump(),
                       gw.admin_token());
  EXPECT_EQ(creds.status, 400u);
  EXPECT_NE(error_of(creds).find("credentials"), std::string::npos) << creds.body;
  auto https = gw.post("/api/cameras", json{{"url", "https://127.0.0.1:" + p + "/"}}.dump(),
                       gw.admin_token());
  EXPECT_EQ(https.status, 400u);
  auto too_long = gw.post(
      "/api/cameras", json{{"url", "http://127.0.0.1:" + p + "/" + std::string(2100, 'a')}}.dump(),
      gw.admin_token());
  EXPECT_EQ(too_long.status, 400u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(target.received(), "");
  EXPECT_EQ(camera_count(), 0u);
}

TEST_F(CameraAdmission, NumericAndOddHostsAreRefused) {
  const auto port = unused_port();
  for (const char* host : {"0", "2130706433", "0x7f000001", "0x7f.1", "127.1", "0177.0.0.1",
                           "[[::1]]", "a b", "cam\r\nX: y", "user@127.0.0.1"}) {
    auto r = gw.post("/api/cameras", camera_body(host, port).dump(), gw.admin_token());
    EXPECT_EQ(r.status, 400u) << host << ": " << r.body;
    EXPECT_NE(error_of(r), "") << r.body;
    auto s = gw.post("/streaming/setup-camera", camera_body(host, port).dump(), gw.admin_token());
    EXPECT_EQ(s.status, 400u) << host << ": " << s.body;
  }
  EXPECT_EQ(camera_count(), 0u);
}

// Finding 2: any user could probe ports (502 refused / 502 HTTP 302 / 504 silent) and
// make an open port a camera. Without allowed_networks only admins add cameras.
TEST_F(CameraAdmission, UsersCannotAddCamerasOrScanPorts) {
  camsim cam{{"--no-stream"}};
  asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  for (const auto port : {cam.port, unused_port(), silent.local_endpoint().port()}) {
    const auto started = std::chrono::steady_clock::now();
    auto r =
        gw.post("/streaming/setup-camera", camera_body("127.0.0.1", port).dump(), gw.user_token());
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_EQ(error_of(r), "cameras are added by an admin");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
    auto a = gw.post("/api/cameras", camera_body("127.0.0.1", port).dump(), gw.user_token());
    EXPECT_EQ(a.status, 403u) << a.body;
    EXPECT_EQ(error_of(a), "cameras are added by an admin");
  }
  EXPECT_EQ(camera_count(), 0u);
  // The admin still gets the probe's answer.
  auto r = gw.post("/streaming/setup-camera", camera_body("127.0.0.1", cam.port).dump(),
                   gw.admin_token());
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST_F(CameraAdmission, TheGatewayIsNeverACamera) {
  const auto self = gw.port();
  const auto self_url = "http://127.0.0.1:" + std::to_string(self) + "/api/cameras";
  for (const auto& token : {gw.admin_token(), gw.user_token()}) {
    for (const char* host :
         {"127.0.0.1", "localhost", "0.0.0.0", "::1", "[::1]", "127.0.0.2", "::ffff:127.0.0.1"}) {
      auto r = gw.post("/api/cameras", camera_body(host, self).dump(), token);
      EXPECT_EQ(r.status, 400u) << host << ": " << r.body;
      EXPECT_NE(error_of(r).find("gateway itself"), std::string::npos) << r.body;
      auto s = gw.post("/streaming/setup-camera", camera_body(host, self).dump(), token);
      EXPECT_EQ(s.status, 400u) << host << ": " << s.body;
    }
    auto u = gw.post("/api/cameras", json{{"url", self_url}}.dump(), token);
    EXPECT_EQ(u.status, 400u) << u.body;
  }
  EXPECT_EQ(camera_count(), 0u);
}

// A name that becomes the gateway after it was added (DNS rebinding, a stored camera)
// is refused when the source connects.
TEST(CameraAdmissionGuard, TheSourceRefusesToConnectToTheGateway) {
  gateway first;
  const auto dir = first.data_dir();
  const auto port = first.port();
  ASSERT_EQ(first.stop(), 0);
  child_process add({bin_path("camgate"), "camera", "add", "--name", "self", "--host", "localhost",
                     "--port", std::to_string(port), "--data", dir});
  ASSERT_EQ(add.wait(), 0) << add.output();
  child_process gw({bin_path("camgate"), "serve", "--listen", "127.0.0.1:" + std::to_string(port),
                    "--data", dir, "--config", dir + "/camgate.toml", "--log-level", "warn"});
  ASSERT_TRUE(gw.wait_for_line(std::regex("listening on"), std::chrono::seconds(15)))
      << gw.output();
  auto login =
      http_request(port, http::verb::post, "/auth/login",
                   json{{"username", "admin"}, {"password", gateway::admin_password}}.dump());
  ASSERT_EQ(login.status, 200u) << login.body;
  const auto token = json::parse(login.body).at("access_token").get<std::string>();
  std::string last_error;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    auto cams =
        json::parse(http_request(port, http::verb::get, "/api/cameras", "", bearer(token)).body);
    last_error = cams.at("cameras").at(0).value("last_error", "");
    if (!last_error.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(last_error.find("gateway itself"), std::string::npos) << last_error;
  gw.signal(SIGTERM);
  EXPECT_EQ(gw.wait(), 0);
}

// Finding 9: one camera per device; "[::1]" is bracketed once.
TEST_F(CameraAdmission, TheSameDeviceTwiceIs409) {
  camsim cam{{"--no-stream"}};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  for (const auto& body :
       {camera_body("127.0.0.1", cam.port),
        json{{"url", "http://127.0.0.1:" + std::to_string(cam.port) + "/capture"}}}) {
    auto r = gw.post("/api/cameras", body.dump(), gw.admin_token());
    EXPECT_EQ(r.status, 409u) << r.body;
    auto j = json::parse(r.body);
    EXPECT_EQ(j.at("success"), false);
    EXPECT_TRUE(j.at("error").is_string());
    EXPECT_EQ(j.at("camera_id"), id);
  }
  // The seed's setup-camera, by a user, selects the camera that is there, answering the
  // seed's JSON unchanged.
  auto r = gw.post("/streaming/setup-camera", camera_body("127.0.0.1", cam.port).dump(),
                   gw.user_token());
  ASSERT_EQ(r.status, 200u) << r.body;
  auto j = json::parse(r.body);
  const auto url = "http://127.0.0.1:" + std::to_string(cam.port);
  EXPECT_EQ(j.at("success"), true);
  EXPECT_EQ(j.at("message"), "ESP32 camera connected successfully at " + url);
  EXPECT_EQ(j.at("camera_url"), url);
  EXPECT_EQ(j.at("stream_url"), url + "/stream");
  EXPECT_EQ(j.at("snapshot_url"), url + "/capture");
  EXPECT_EQ(j.at("camera_id"), id);
  EXPECT_EQ(camera_count(), 1u);

  const auto v6_port = unused_port();
  auto v6 = gw.post("/api/cameras", camera_body("[::1]", v6_port).dump(), gw.admin_token());
  ASSERT_EQ(v6.status, 201u) << v6.body;
  EXPECT_EQ(json::parse(v6.body).at("camera").at("camera_url"),
            "http://[::1]:" + std::to_string(v6_port));
  auto again = gw.post("/api/cameras", camera_body("::1", v6_port).dump(), gw.admin_token());
  EXPECT_EQ(again.status, 409u) << again.body;
}

// Finding 6: rename checked no ownership.
TEST_F(CameraAdmission, OnlyAnAdminRenamesSomeoneElsesCamera) {
  const auto id = gw.add_camera(unused_port(), gw.admin_token());
  const auto target = "/api/cameras/" + std::to_string(id);
  auto r = patch(gw, target, R"({"name": "mine now"})", gw.user_token());
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_NE(error_of(r), "");
  EXPECT_EQ(json::parse(gw.get(target, gw.admin_token()).body).at("camera").at("name"), "test cam");
  EXPECT_EQ(patch(gw, target, R"({"name": "hall"})", gw.admin_token()).status, 200u);
}

TEST_F(CameraAdmissionAllowed, TheCreatorRenamesTheirCamera) {
  camsim cam{{"--no-stream"}};
  const auto id = gw.add_camera(cam.port, gw.user_token());
  const auto target = "/api/cameras/" + std::to_string(id);
  auto r = patch(gw, target, R"({"name": "lab"})", gw.user_token());
  EXPECT_EQ(r.status, 200u) << r.body;
  // Names are not in allowed_networks: a host name needs an admin.
  auto named =
      gw.post("/api/cameras", camera_body("localhost", unused_port()).dump(), gw.user_token());
  EXPECT_EQ(named.status, 403u) << named.body;
  auto outside = gw.post("/api/cameras", camera_body("10.1.2.3", 80).dump(), gw.user_token());
  EXPECT_EQ(outside.status, 403u) << outside.body;
  auto self = gw.post("/api/cameras", camera_body("127.0.0.1", gw.port()).dump(), gw.user_token());
  EXPECT_EQ(self.status, 400u) << self.body;
}

TEST_F(CameraAdmissionAllowed, DisconnectLeavesSomeoneElsesCamera) {
  camsim cam{{"--no-stream"}};
  const auto body = camera_body("127.0.0.1", cam.port).dump();
  auto admin_setup = gw.post("/streaming/setup-camera", body, gw.admin_token());
  ASSERT_EQ(admin_setup.status, 200u) << admin_setup.body;
  auto user_setup = gw.post("/streaming/setup-camera", body, gw.user_token());
  ASSERT_EQ(user_setup.status, 200u) << user_setup.body;
  EXPECT_EQ(json::parse(admin_setup.body).at("camera_id"),
            json::parse(user_setup.body).at("camera_id"));
  ASSERT_EQ(gw.del("/streaming/disconnect-camera", gw.admin_token()).status, 200u);
  ASSERT_EQ(gw.del("/streaming/disconnect-camera", gw.user_token()).status, 200u);
  // The admin brought it in; the user's disconnect, though last, leaves it.
  EXPECT_EQ(json::parse(gw.get("/api/cameras", gw.admin_token()).body).at("cameras").size(), 1u);
}

// Finding 2, second half: every user read every camera's address and last error.
TEST_F(CameraAdmission, UsersSeeNoUpstreamDetails) {
  const auto id = gw.add_camera(unused_port(), gw.admin_token());
  const auto one = "/api/cameras/" + std::to_string(id);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (json::parse(gw.get(one, gw.admin_token()).body).at("camera").at("last_error") == "" &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto admin_view = json::parse(gw.get(one, gw.admin_token()).body).at("camera");
  EXPECT_NE(admin_view.at("last_error"), "");
  EXPECT_EQ(admin_view.at("host"), "127.0.0.1");
  const auto hidden = {"host", "port", "url", "camera_url", "upstream_url", "last_error"};
  auto listed = json::parse(gw.get("/api/cameras", gw.user_token()).body).at("cameras").at(0);
  auto single = json::parse(gw.get(one, gw.user_token()).body).at("camera");
  for (const auto* key : hidden) {
    EXPECT_FALSE(listed.contains(key)) << key;
    EXPECT_FALSE(single.contains(key)) << key;
  }
  EXPECT_EQ(single.at("id"), id);
  EXPECT_TRUE(single.contains("state"));
  EXPECT_EQ(single.dump().find("127.0.0.1"), std::string::npos) << single.dump();
  auto status = json::parse(
      gw.get("/streaming/camera-status?camera_id=" + std::to_string(id), gw.user_token()).body);
  EXPECT_TRUE(status.at("camera_url").is_null()) << status.dump();
  auto metrics = gw.get("/metrics", gw.user_token());
  EXPECT_EQ(metrics.status, 403u);
  EXPECT_NE(error_of(metrics), "");
  EXPECT_EQ(gw.get("/metrics", gw.admin_token()).status, 200u);
}
