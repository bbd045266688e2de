#include "support/gateway_fixture.hpp"

#include <fstream>
#include <regex>
#include <stdexcept>

#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace camgate::testing {
namespace {
void run_ok(std::vector<std::string> argv, const std::string& stdin_text = "") {
  std::string cmd;
  for (auto& a : argv) cmd += "'" + a + "' ";
  if (!stdin_text.empty()) cmd = "printf '%s\\n' '" + stdin_text + "' | " + cmd;
  if (std::system((cmd + " >/dev/null").c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}
}  // namespace

std::map<std::string, std::string> bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

camsim::camsim(std::vector<std::string> extra_args, std::uint16_t want_port) {
  args = {bin_path("camgate-camsim"),
          "--listen",
          "127.0.0.1:" + std::to_string(want_port),
          "--resolution",
          "640x480",
          "--fps",
          "30"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  process = std::make_unique<child_process>(args);
  auto m = process->wait_for_line(std::regex(R"(capture_port=(\d+) stream_port=(\d+))"),
                                  std::chrono::seconds(10));
  if (!m) throw std::runtime_error("camsim did not start: " + process->output());
  port = static_cast<std::uint16_t>(std::stoi((*m)[1]));
  stream_port = static_cast<std::uint16_t>(std::stoi((*m)[2]));
}

std::string camsim::stats() {
  return http_request(port, http::verb::get, "/camsim/stats").body;
}

gateway::gateway(const std::string& extra_config, std::vector<std::string> extra_args) {
  const auto dir = data_.path();
  run_ok({bin_path("camgate"), "user", "add", "admin", "--role", "admin", "--password-stdin",
          "--data", dir},
         admin_password);
  run_ok({bin_path("camgate"), "user", "add", "alice", "--role", "user", "--password-stdin",
          "--data", dir},
         user_password);
  const auto config = dir + "/camgate.toml";
  std::ofstream(config) << "[cameras]\n"
                           "stall_timeout_ms = 1500\n"
                           "stale_after_ms = 500\n"
                           "backoff_initial_ms = 50\n"
                           "backoff_max_ms = 400\n"
                           "connect_timeout_ms = 1000\n"
                           "probe_timeout_ms = 1000\n"
                           "snapshot_wait_ms = 1500\n"
                        << extra_config;
  std::vector<std::string> argv{
      bin_path("camgate"), "serve", "--listen",    "127.0.0.1:0", "--data", dir,
      "--config",          config,  "--log-level", "warn"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<child_process>(argv);
  // Plain HTTP and HTTPS share the port, so the helpers below work either way.
  auto m = process_->wait_for_line(std::regex(R"(listening on https?://[^:]+:(\d+))"),
                                   std::chrono::seconds(15));
  if (!m) throw std::runtime_error("camgate did not start: " + process_->output());
  port_ = static_cast<std::uint16_t>(std::stoi((*m)[1]));
  admin_token_ = login("admin", admin_password);
  user_token_ = login("alice", user_password);
}

gateway::~gateway() {
  // A sanitizer report inside the gateway (TSan exits 66 at the end, ASan and UBSan
  // abort) would otherwise only reach the log: fail the test that ran it.
  if (const int rc = stop(); rc != 0)
    ADD_FAILURE() << "camgate exited with status " << rc
                  << " after SIGTERM: a crash or a sanitizer report (its stderr is above)";
}

int gateway::stop() {
  if (!process_) return -1;
  if (process_->running()) process_->signal(SIGTERM);
  return process_->wait();
}

std::string gateway::login(const std::string& user, const std::string& password) {
  nlohmann::json body = {{"username", user}, {"password", password}};
  auto r = http_request(port_, http::verb::post, "/auth/login", body.dump());
  if (r.status != 200) throw std::runtime_error("login failed: " + r.body);
  return nlohmann::json::parse(r.body).at("access_token").get<std::string>();
}

http_result gateway::get(const std::string& target, const std::string& token) {
  return http_request(port_, http::verb::get, target, "", bearer(token));
}
http_result gateway::post(const std::string& target, const std::string& body,
                          const std::string& token) {
  return http_request(port_, http::verb::post, target, body, bearer(token));
}
http_result gateway::patch(const std::string& target, const std::string& body,
                           const std::string& token) {
  return http_request(port_, http::verb::patch, target, body, bearer(token));
}
http_result gateway::del(const std::string& target, const std::string& token) {
  return http_request(port_, http::verb::delete_, target, "", bearer(token));
}

std::int64_t gateway::book(const std::string& user, std::int64_t camera_id, std::int64_t from,
                           std::int64_t to) {
  nlohmann::json body = {{"username", user},
                         {"resource", "camera:" + std::to_string(camera_id)},
                         {"starts_at", from},
                         {"ends_at", to}};
  auto r = post("/api/bookings", body.dump(), admin_token_);
  if (r.status != 201) throw std::runtime_error("booking failed: " + r.body);
  return nlohmann::json::parse(r.body).at("booking").at("id").get<std::int64_t>();
}

std::int64_t gateway::add_camera(std::uint16_t camera_port, const std::string& token) {
  nlohmann::json body = {{"ip_address", "127.0.0.1"}, {"port", camera_port}, {"name", "test cam"}};
  auto r = post("/api/cameras", body.dump(), token);
  if (r.status != 201) throw std::runtime_error("add camera failed: " + r.body);
  return nlohmann::json::parse(r.body).at("camera").at("id").get<std::int64_t>();
}

}  // namespace camgate::testing
