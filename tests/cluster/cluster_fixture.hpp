#pragma once
// The cluster tests' fixture: three `camgate serve` nodes on one PostgreSQL (pg_server) and
// one redis-server, started on 127.0.0.1, with camsim as the ESP32.
#include <chrono>
#include <ctime>
#include <deque>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include "support/gateway_fixture.hpp"
#include "support/pg_server.hpp"
#include "support/ports.hpp"

using namespace camgate::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

constexpr const char* kJwtSecret = "cluster-test-jwt-secret-0123456789abcdef";
constexpr const char* kClusterSecret = "cluster-test-node-secret-0123456789abcdef";

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// How old a camsim frame is: its JPEG comment holds the capture time (camgate-ts=<µs>).
[[maybe_unused]] double age_ms(const std::string& jpeg) {
  const auto at = jpeg.find("camgate-ts=");
  if (at == std::string::npos) return -1;
  const auto ts = std::stoll(jpeg.substr(at + 11, 20));
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return static_cast<double>(now_us - ts) / 1000.0;
}

bool have_redis() {
  return ::access("/usr/bin/redis-server", X_OK) == 0;
}

struct redis_server {
  std::uint16_t port = unused_port();
  std::unique_ptr<child_process> process;
  std::vector<std::string> extra;  // more redis-server options, e.g. --requirepass
  explicit redis_server(std::vector<std::string> more = {}) : extra(std::move(more)) { start(); }
  void start() {
    std::vector<std::string> argv{"/usr/bin/redis-server",
                                  "--port",
                                  std::to_string(port),
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<child_process>(argv);
    if (!process->wait_for_line(std::regex("Ready to accept connections"), 10s))
      throw std::runtime_error("redis-server did not start: " + process->output());
  }
  void kill() {
    process->signal(SIGKILL);
    process->wait();
  }
};

struct node {
  std::string name;
  std::uint16_t port = unused_port();
  temp_dir data;
  std::unique_ptr<child_process> process;

  node(std::string n, const std::string& store_url, std::uint16_t redis_port,
       const std::string& extra = "")
      : name(std::move(n)) {
    const auto config = data.path() + "/camgate.toml";
    std::ofstream(config) << "[store]\nurl = \"" << store_url << "\"\n"
                          << "[auth]\njwt_secret = \"" << kJwtSecret << "\"\n"
                          << "[cluster]\nredis = \"redis://127.0.0.1:" << redis_port << "\"\n"
                          << "node_id = \"" << name << "\"\n"
                          << "secret = \"" << kClusterSecret << "\"\n"
                          << "advertise_url = \"http://127.0.0.1:" << port << "\"\n"
                          << "[cameras]\nstall_timeout_ms = 1500\nstale_after_ms = 500\n"
                             "backoff_initial_ms = 50\nbackoff_max_ms = 400\n"
                             "connect_timeout_ms = 1000\nprobe_timeout_ms = 1000\n"
                          << extra;
    process = std::make_unique<child_process>(std::vector<std::string>{
        bin_path("camgate"), "serve", "--listen", "127.0.0.1:" + std::to_string(port), "--data",
        data.path(), "--config", config, "--log-level", "warn"});
    if (!process->wait_for_line(std::regex("listening on http://"), 15s))
      throw std::runtime_error(name + " did not start: " + process->output());
  }
  bool killed = false;  // by the test (kill -9)

  ~node() {
    if (killed) return;
    if (process->running()) process->signal(SIGTERM);
    // A crash or a sanitizer report while leaving (leases freed, threads joined).
    EXPECT_EQ(process->wait(), 0) << name << " did not stop cleanly";
  }
  json health() {
    return json::parse(http_request(port, camgate::http::verb::get, "/health").body);
  }
};

// A /signaling client: messages queue up until taken by type.
struct sig_client {
  std::unique_ptr<ws_client> ws;
  std::deque<json> inbox;

  sig_client(std::uint16_t port, const std::string& token)
      : ws(std::make_unique<ws_client>(port, "/signaling?access_token=" + token)) {}
  void send(const json& m) { ws->send(m.dump()); }
  // The next message of `type` (others are kept); a null json when none came in time.
  json next(const std::string& type, std::chrono::milliseconds timeout = 5s) {
    for (auto it = inbox.begin(); it != inbox.end(); ++it)
      if (it->value("type", "") == type) {
        auto m = std::move(*it);
        inbox.erase(it);
        return m;
      }
    const auto until = steady::now() + timeout;
    while (steady::now() < until) {
      auto text = ws->next_message(
          std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()));
      if (!text) break;
      auto m = json::parse(*text, nullptr, false);
      if (m.value("type", "") == type) return m;
      inbox.push_back(std::move(m));
    }
    return nullptr;
  }
  json do_register(const std::string& user_type, const std::string& id = "x") {
    send({{"type", "register"}, {"userType", user_type}, {"userId", id}});
    return next("registered");
  }
};

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    server = pg_server::shared();
    if (server == nullptr) GTEST_SKIP() << pg_server::missing();
    if (!have_redis()) GTEST_SKIP() << "redis-server is not installed";
    const auto url = server->url(server->create_database());
    ::setenv("CAMGATE_STORE_URL", url.c_str(), 1);
    for (auto [user, role] : {std::pair{"admin", "admin"}, std::pair{"alice", "user"}}) {
      const std::string cmd = "printf '%s\\n' 'password-of-" + std::string(user) + "' | '" +
                              bin_path("camgate") + "' user add " + user + " --role " + role +
                              " --password-stdin >/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    redis = std::make_unique<redis_server>();
    cam = std::make_unique<camsim>();
    for (const char* n : {"node-a", "node-b", "node-c"})
      nodes.push_back(std::make_unique<node>(n, url, redis->port, node_config()));
    admin = login(*nodes[0], "admin");
    alice = login(*nodes[0], "alice");
    // Added on node A: the others learn of it over the change feed.
    json body = {{"ip_address", "127.0.0.1"}, {"port", cam->port}, {"name", "esp32"}};
    auto r = http_request(nodes[0]->port, camgate::http::verb::post, "/api/cameras", body.dump(),
                          bearer(admin));
    ASSERT_EQ(r.status, 201u) << r.body;
    camera = json::parse(r.body).at("camera").at("id").get<std::int64_t>();
    booking = book_for_alice("camera:" + std::to_string(camera));
  }

  // Books `resource` ("camera:3", "robot:1") for alice for the next hour, on node A: the
  // booking's id.
  std::int64_t book_for_alice(const std::string& resource) {
    json b = {{"username", "alice"},
              {"resource", resource},
              {"starts_at", now() - 60},
              {"ends_at", now() + 3600}};
    auto r = http_request(nodes[0]->port, camgate::http::verb::post, "/api/bookings", b.dump(),
                          bearer(admin));
    if (r.status != 201) throw std::runtime_error("booking failed: " + r.body);
    return json::parse(r.body).at("booking").at("id").get<std::int64_t>();
  }
  // Enrols robot `name` on node A: its id and its one-time credential.
  std::pair<std::int64_t, std::string> enrol_robot(const std::string& name) {
    auto r = http_request(nodes[0]->port, camgate::http::verb::post, "/api/robots",
                          json{{"name", name}}.dump(), bearer(admin));
    if (r.status != 201) throw std::runtime_error("robot enrolment failed: " + r.body);
    const auto j = json::parse(r.body);
    return {j.at("robot").at("id").get<std::int64_t>(), j.at("credential").get<std::string>()};
  }

  // More configuration for every node.
  virtual std::string node_config() const { return ""; }

  std::string login(node& n, const std::string& user, const std::string& password = "") {
    json body = {{"username", user},
                 {"password", password.empty() ? "password-of-" + user : password}};
    auto r = http_request(n.port, camgate::http::verb::post, "/auth/login", body.dump());
    if (r.status != 200) throw std::runtime_error("login failed: " + r.body);
    return json::parse(r.body).at("access_token").get<std::string>();
  }
  std::string stream_path() const {
    return "/api/cameras/" + std::to_string(camera) + "/stream?access_token=" + alice;
  }
  // A reader on node `n` that has its first frame (the camera reaches every node).
  std::unique_ptr<mjpeg_reader> viewer(node& n) {
    const auto until = steady::now() + 8s;
    while (steady::now() < until) {
      auto r = std::make_unique<mjpeg_reader>(n.port, stream_path());
      if (r->status() == 200 && r->next_frame(3s)) return r;
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "no frames on " << n.name;
    return nullptr;
  }
  json camsim_stats() { return json::parse(cam->stats()); }
  // The one node holding the camera's lease (-1: none or several).
  int owner() {
    int found = -1;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i]->process->running()) continue;
      if (!nodes[i]->health().at("cluster").at("leases").empty()) {
        if (found >= 0) return -1;
        found = static_cast<int>(i);
      }
    }
    return found;
  }

  pg_server* server = nullptr;
  std::unique_ptr<redis_server> redis;
  std::unique_ptr<camsim> cam;
  std::vector<std::unique_ptr<node>> nodes;
  std::string admin, alice;
  std::int64_t camera = 0, booking = 0;
};

}  // namespace
