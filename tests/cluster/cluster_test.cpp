// Three `camgate serve` nodes on one PostgreSQL and one Redis, started here on 127.0.0.1
// (pg_server, redis-server), with camsim in stock mode as the ESP32 (ONE stream client):
// viewers on every node, one upstream; the owner killed; a booking shortened on one
// node cutting a stream on another; Redis restarted under running streams.
#include <chrono>
#include <ctime>
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
double age_ms(const std::string& jpeg) {
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
  redis_server() { start(); }
  void start() {
    process = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "no"});
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

  node(std::string n, const std::string& store_url, std::uint16_t redis_port) : name(std::move(n)) {
    const auto config = data.path() + "/camgate.toml";
    std::ofstream(config) << "[store]\nurl = \"" << store_url << "\"\n"
                          << "[auth]\njwt_secret = \"" << kJwtSecret << "\"\n"
                          << "[cluster]\nredis = \"redis://127.0.0.1:" << redis_port << "\"\n"
                          << "node_id = \"" << name << "\"\n"
                          << "secret = \"" << kClusterSecret << "\"\n"
                          << "advertise_url = \"http://127.0.0.1:" << port << "\"\n"
                          << "[cameras]\nstall_timeout_ms = 1500\nstale_after_ms = 500\n"
                             "backoff_initial_ms = 50\nbackoff_max_ms = 400\n"
                             "connect_timeout_ms = 1000\nprobe_timeout_ms = 1000\n";
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
      nodes.push_back(std::make_unique<node>(n, url, redis->port));
    admin = login(*nodes[0], "admin");
    alice = login(*nodes[0], "alice");
    // Added on node A: the others learn of it over the change feed.
    json body = {{"ip_address", "127.0.0.1"}, {"port", cam->port}, {"name", "esp32"}};
    auto r = http_request(nodes[0]->port, camgate::http::verb::post, "/api/cameras", body.dump(),
                          bearer(admin));
    ASSERT_EQ(r.status, 201u) << r.body;
    camera = json::parse(r.body).at("camera").at("id").get<std::int64_t>();
    json b = {{"username", "alice"},
              {"resource", "camera:" + std::to_string(camera)},
              {"starts_at", now() - 60},
              {"ends_at", now() + 3600}};
    r = http_request(nodes[0]->port, camgate::http::verb::post, "/api/bookings", b.dump(),
                     bearer(admin));
    ASSERT_EQ(r.status, 201u) << r.body;
    booking = json::parse(r.body).at("booking").at("id").get<std::int64_t>();
  }

  std::string login(node& n, const std::string& user) {
    json body = {{"username", user}, {"password", "password-of-" + user}};
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

TEST_F(Cluster, ViewersOnEveryNodeShareOneUpstream) {
  std::vector<std::unique_ptr<mjpeg_reader>> viewers;
  for (auto& n : nodes) viewers.push_back(viewer(*n));
  for (auto& v : viewers) {
    ASSERT_TRUE(v);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(v->next_frame(2s));
  }
  const auto stats = camsim_stats();
  EXPECT_EQ(stats.at("stream_connections_total"), 1) << stats.dump();
  EXPECT_EQ(stats.at("active_stream_clients"), 1) << stats.dump();
  EXPECT_EQ(stats.at("waiting_stream_clients"), 0) << stats.dump();
  const int own = owner();
  // What the node-to-node hop adds: frame age at the viewer, owner vs relaying nodes,
  // each viewer read on its own thread so that none waits in its socket's buffer.
  std::vector<double> sum(viewers.size());
  std::vector<int> n(viewers.size());
  {
    std::vector<std::jthread> readers;
    for (std::size_t i = 0; i < viewers.size(); ++i)
      readers.emplace_back([&, i] {
        for (int k = 0; k < 60; ++k)
          if (auto f = viewers[i]->next_frame(2s); f && k >= 30 && age_ms(*f) >= 0)
            sum[i] += age_ms(*f), ++n[i];
      });
  }
  for (std::size_t i = 0; i < viewers.size(); ++i) {
    ASSERT_GT(n[i], 0) << "camsim's frames carry their capture time";
    std::printf("%s (%s): mean frame age %.1f ms over %d frames\n", nodes[i]->name.c_str(),
                static_cast<int>(i) == own ? "owner" : "relay", sum[i] / n[i], n[i]);
  }
  ASSERT_GE(own, 0) << "exactly one node holds the lease";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto h = nodes[i]->health().at("cluster");
    EXPECT_EQ(h.at("node_id"), nodes[i]->name);
    EXPECT_EQ(h.at("redis"), "connected");
    EXPECT_EQ(h.at("role"), static_cast<int>(i) == own ? "owner" : "relay") << h.dump();
  }
  auto metrics =
      http_request(nodes[own]->port, camgate::http::verb::get, "/metrics", "", bearer(admin));
  EXPECT_NE(
      metrics.body.find("camgate_cluster_leases_held{node_id=\"" + nodes[own]->name + "\"} 1"),
      std::string::npos)
      << metrics.body;
  // An admin sees where a relaying node takes the camera from, never the signature.
  const auto relay_node = (own + 1) % 3;
  const auto cam_json =
      json::parse(http_request(nodes[relay_node]->port, camgate::http::verb::get,
                               "/api/cameras/" + std::to_string(camera), "", bearer(admin))
                      .body);
  const auto& c = cam_json.contains("camera") ? cam_json.at("camera") : cam_json;
  EXPECT_EQ(c.value("upstream", ""), "relay") << c.dump();
  EXPECT_EQ(c.value("upstream_url", "").find("sig="), std::string::npos) << c.dump();
  EXPECT_NE(c.value("upstream_url", "").find("/internal/cameras/"), std::string::npos) << c.dump();
  // The internal stream refuses whoever lacks the cluster secret.
  auto r = http_request(
      nodes[own]->port, camgate::http::verb::get,
      "/internal/cameras/" + std::to_string(camera) + "/stream?lease=1&exp=9999999999&sig=00");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(json::parse(r.body).at("success"), false);
}

TEST_F(Cluster, OwnerKilledFramesResumeWithinFiveSecondsOverOneUpstream) {
  std::vector<std::unique_ptr<mjpeg_reader>> viewers;
  for (auto& n : nodes) viewers.push_back(viewer(*n));
  const int own = owner();
  ASSERT_GE(own, 0);
  nodes[own]->killed = true;
  nodes[own]->process->signal(SIGKILL);
  nodes[own]->process->wait();
  const auto killed = steady::now();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (static_cast<int>(i) == own) continue;
    auto& v = viewers[i];
    ASSERT_TRUE(v);
    // Frames already relayed may still arrive; wait for a steady flow again.
    std::optional<std::string> frame;
    steady::time_point last = killed;
    int run = 0;
    while (steady::now() - killed < 8s && run < 10) {
      frame = v->next_frame(1s);
      if (!frame) {
        run = 0;
        continue;
      }
      if (++run == 1) last = steady::now();
    }
    EXPECT_EQ(run, 10) << nodes[i]->name << ": no frames after the owner died";
    EXPECT_LT(last - killed, 5s) << nodes[i]->name;
    std::printf("%s: frames again %.2f s after the owner was killed\n", nodes[i]->name.c_str(),
                std::chrono::duration<double>(last - killed).count());
  }
  EXPECT_GE(owner(), 0) << "one of the others took the lease";
  const auto stats = camsim_stats();
  EXPECT_EQ(stats.at("active_stream_clients"), 1) << stats.dump();
  EXPECT_EQ(stats.at("waiting_stream_clients"), 0) << stats.dump();
  EXPECT_EQ(stats.at("stream_connections_total"), 2) << stats.dump();
}

TEST_F(Cluster, BookingShortenedOnOneNodeCutsAStreamOnAnotherWithinOneSecond) {
  auto v = viewer(*nodes[2]);
  ASSERT_TRUE(v);
  // From the request on: its answer may come after node C has already cut.
  const auto changed = steady::now();
  auto r = http_request(nodes[0]->port, camgate::http::verb::patch,
                        "/api/bookings/" + std::to_string(booking), json{{"ends_at", now()}}.dump(),
                        bearer(admin));
  ASSERT_EQ(r.status, 200u) << r.body;
  while (v->next_frame(2s)) {
  }
  const auto cut = steady::now() - changed;
  std::printf("cut on node-c %.0f ms after the PATCH to node-a was sent\n",
              std::chrono::duration<double, std::milli>(cut).count());
  EXPECT_LT(cut, 1s);
}

TEST_F(Cluster, RedisRestartedNodesReconnectAndViewersKeepTheirStreams) {
  std::vector<std::unique_ptr<mjpeg_reader>> viewers;
  for (auto& n : nodes) viewers.push_back(viewer(*n));
  redis->kill();
  std::this_thread::sleep_for(500ms);
  redis->start();
  // Four seconds of frames on every node across the restart and the leases' return.
  const auto until = steady::now() + 4s;
  while (steady::now() < until)
    for (std::size_t i = 0; i < viewers.size(); ++i)
      ASSERT_TRUE(viewers[i] && viewers[i]->next_frame(2s)) << nodes[i]->name << " lost its stream";
  for (auto& n : nodes) EXPECT_EQ(n->health().at("cluster").at("redis"), "connected") << n->name;
  EXPECT_GE(owner(), 0);
  const auto stats = camsim_stats();
  EXPECT_EQ(stats.at("active_stream_clients"), 1) << stats.dump();
  EXPECT_EQ(stats.at("stream_connections_total"), 1) << stats.dump();
}

}  // namespace
