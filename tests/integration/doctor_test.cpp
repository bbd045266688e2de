// `camgate doctor` as a user runs it: the real binary against camgate-camsim in each
// firmware mode, a camera whose single stream slot is taken, a closed port, a hostile
// server, and a real gateway (health, login, CORS allowed and refused).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "support/gateway_fixture.hpp"

using namespace camgate;
using namespace camgate::testing;
using json = nlohmann::json;

namespace {

struct run_result {
  int code = -1;
  std::string out;
  double seconds = 0;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `camgate doctor ARGS...` (stdin: `input`), returns its exit code and stdout.
run_result doctor(const std::vector<std::string>& args, const std::string& input = "") {
  std::string cmd = quote(bin_path("camgate")) + " doctor";
  for (const auto& a : args) cmd += " " + quote(a);
  cmd = (input.empty() ? "true" : "printf '%s\\n' " + quote(input)) + " | " + cmd;
  run_result r;
  const auto start = std::chrono::steady_clock::now();
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

bool has(const run_result& r, const std::string& text) {
  return r.out.find(text) != std::string::npos;
}

std::string at(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

const std::string kOk = "\u2713 ";
const std::string kFail = "\u2717 ";

// A port nothing listens on (bound, then closed).
std::uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = a.local_endpoint().port();
  a.close();
  return port;
}

// A hostile "camera": answers every request with a status line and then header lines
// forever (or garbage), until the client goes away.
class hostile_server {
 public:
  explicit hostile_server(bool garbage) : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, garbage] {
      while (!stop_) {
        tcp::socket s(io_);
        error_code ec;
        acceptor_.accept(s, ec);
        if (ec || stop_) break;
        clients_.emplace_back([s = std::move(s), garbage]() mutable {
          char req[1024];
          error_code e;
          s.read_some(asio::buffer(req), e);
          const std::string start =
              garbage ? "\x16\x03\x01 not http at all " : "HTTP/1.1 200 OK\r\n";
          asio::write(s, asio::buffer(start), e);
          const std::string line =
              garbage ? std::string(4096, '\x7f') : "X-Junk: " + std::string(1000, 'a') + "\r\n";
          for (int i = 0; i < 100000 && !e; ++i) asio::write(s, asio::buffer(line), e);
        });
      }
    });
  }
  ~hostile_server() {
    stop_ = true;
    error_code ec;
    tcp::socket poke(io_);
    poke.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
    // Each ends once its client (the doctor, gone by now) has closed.
    for (auto& t : clients_) t.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> clients_;  // touched by thread_ only, until it is joined
};

}  // namespace

TEST(Doctor, StockFirmwareAllGood) {
  camsim cam;
  const auto r = doctor({"camera", at(cam.port), "--seconds", "1", "--timeout-ms", "2000"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(r, kOk + "TCP connect to " + at(cam.port))) << r.out;
  EXPECT_TRUE(has(r, kOk + "GET /capture")) << r.out;
  EXPECT_TRUE(has(r, "640x480 JPEG")) << r.out;
  EXPECT_TRUE(has(r, kOk + "MJPEG stream") && has(r, "http://" + at(cam.stream_port) + "/stream"))
      << r.out;
  EXPECT_TRUE(has(r, "port + 1")) << r.out;
  EXPECT_TRUE(has(r, "boundary \"")) << r.out;
  EXPECT_TRUE(has(r, kOk + "Stream slot")) << r.out;
  EXPECT_TRUE(has(r, " fps over ")) << r.out;
  EXPECT_TRUE(has(r, kOk + "GET /status") && has(r, "framesize VGA (8)")) << r.out;
}

TEST(Doctor, JsonReport) {
  camsim cam({"--stream-port", "same"});
  const auto r =
      doctor({"camera", at(cam.port), "--seconds", "1", "--timeout-ms", "2000", "--json"});
  EXPECT_EQ(r.code, 0) << r.out;
  const auto j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["kind"], "camera");
  EXPECT_EQ(j["ok"], true);
  std::map<std::string, json> by_id;
  for (const auto& c : j["checks"]) by_id[c["id"].get<std::string>()] = c;
  ASSERT_TRUE(by_id.count("stream")) << r.out;
  // Same-port mode: the stream is beside /capture.
  EXPECT_EQ(by_id["stream"]["data"]["url"], "http://" + at(cam.port) + "/stream");
  EXPECT_EQ(by_id["capture"]["data"]["width"], 640);
  EXPECT_TRUE(by_id["capture"]["data"]["decodes"].get<bool>());
  EXPECT_TRUE(by_id["stream_format"]["data"].contains("chunked"));
  EXPECT_GT(by_id["fps"]["data"]["frames"].get<int>(), 2);
  EXPECT_GT(by_id["fps"]["data"]["fps"].get<double>(), 1.0);
}

TEST(Doctor, SeedSketchHasOnlyCapture) {
  camsim cam({"--no-stream"});
  const auto r = doctor({"camera", at(cam.port), "--seconds", "1", "--timeout-ms", "2000"});
  EXPECT_EQ(r.code, 0) << r.out;  // a supported camera: polled, with a warning
  EXPECT_TRUE(has(r, kOk + "GET /capture")) << r.out;
  EXPECT_TRUE(has(r, "! MJPEG stream (") && has(r, "): none (")) << r.out;
  EXPECT_TRUE(has(r, "poll_fps")) << r.out;
  EXPECT_TRUE(has(r, "- GET /status")) << r.out;
  EXPECT_TRUE(has(r, "ESP32 Camera Ready")) << r.out;
}

TEST(Doctor, StreamSlotTakenByAnotherClient) {
  camsim cam;
  // The other viewer: streaming (its first bytes read) for as long as the test runs.
  asio::io_context io;
  tcp::socket holder(io);
  holder.connect({asio::ip::make_address("127.0.0.1"), cam.stream_port});
  const std::string get = "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(holder, asio::buffer(get));
  std::string got(4096, '\0');
  ASSERT_GT(holder.read_some(asio::buffer(got)), 0u);
  const auto r = doctor({"camera", at(cam.port), "--seconds", "1", "--timeout-ms", "1000"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(has(r, kOk + "GET /capture")) << r.out;
  EXPECT_TRUE(has(r, kFail + "Stream slot")) << r.out;
  EXPECT_TRUE(has(r, "single stream slot is taken")) << r.out;
  EXPECT_TRUE(has(r, "Close the other viewer")) << r.out;
  EXPECT_LT(r.seconds, 10);
}

TEST(Doctor, ClosedPortFailsWithAdvice) {
  const auto port = closed_port();
  const auto r = doctor({"camera", at(port), "--timeout-ms", "1000"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(has(r, kFail + "TCP connect to " + at(port))) << r.out;
  EXPECT_TRUE(has(r, "Nothing listens")) << r.out;
  EXPECT_FALSE(has(r, "GET /capture")) << r.out;  // no point going on
}

TEST(Doctor, HostileServersAreBounded) {
  for (bool garbage : {false, true}) {
    hostile_server bad(garbage);
    const auto r = doctor({"camera", at(bad.port()), "--seconds", "1", "--timeout-ms", "1000"});
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_TRUE(has(r, kFail + "GET /")) << r.out;
    EXPECT_LT(r.seconds, 15) << r.out;
  }
}

TEST(Doctor, UsageErrorsExitTwo) {
  EXPECT_EQ(doctor({"camera"}).code, 2);
  EXPECT_EQ(doctor({"camera", "10.0.0.1/stream"}).code, 2);
  EXPECT_EQ(doctor({"camera", "10.0.0.1", "--seconds", "abc"}).code, 2);
  EXPECT_EQ(doctor({"gateway", "127.0.0.1:8080"}).code, 2);  // not a URL
  EXPECT_EQ(doctor({"gateway", "http://127.0.0.1:1", "--user", "admin"}).code, 2);
}

TEST(Doctor, GatewayHealthLoginAndCors) {
  gateway gw("[cors]\nallowed_origins = [\"https://clinic.example\"]\n");
  const auto url = "http://" + at(gw.port());
  auto r = doctor(
      {"gateway", url, "--origin", "https://clinic.example", "--user", "admin", "--password-stdin"},
      gateway::admin_password);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(r, kOk + "GET /health")) << r.out;
  EXPECT_TRUE(has(r, kOk + "CORS preflight from https://clinic.example (") &&
              has(r, "): allowed (HTTP 204"))
      << r.out;
  EXPECT_TRUE(has(r, kOk + "Login as admin")) << r.out;
  EXPECT_TRUE(has(r, "ICE servers")) << r.out;
  EXPECT_TRUE(has(r, "none configured")) << r.out;

  r = doctor({"gateway", url, "--origin", "https://evil.example", "--json"});
  EXPECT_EQ(r.code, 1) << r.out;
  const auto j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  bool cors_failed = false;
  for (const auto& c : j["checks"]) {
    if (c["id"] == "cors") {
      cors_failed = c["status"] == "fail";
      EXPECT_NE(c["advice"].get<std::string>().find("allowed_origins = [\"https://evil.example\"]"),
                std::string::npos)
          << c.dump();
    }
  }
  EXPECT_TRUE(cors_failed) << r.out;

  r = doctor({"gateway", url, "--user", "admin", "--password-stdin"}, "wrong-password");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(has(r, kFail + "Login as admin")) << r.out;
  EXPECT_TRUE(has(r, "Wrong user name or password")) << r.out;
}

TEST(Doctor, GatewayTlsCertificate) {
  temp_dir dir;
  const auto cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  const auto gen =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(gen.c_str()), 0) << "openssl is needed (scripts/install-deps)";
  gateway gw("", {"--tls-cert", cert, "--tls-key", key});
  const auto url = "https://" + at(gw.port());

  // A CA this machine does not trust: the check fails and no password is sent.
  auto r = doctor({"gateway", url, "--user", "admin", "--password-stdin"}, gateway::admin_password);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(has(r, kFail + "TLS certificate: self-signed certificate")) << r.out;
  EXPECT_TRUE(has(r, "- Login as admin: not sending a password")) << r.out;

  // Trusted with --ca-file: chain, IP address and dates are fine; the login goes through.
  r = doctor({"gateway", url, "--ca-file", cert, "--user", "admin", "--password-stdin"},
             gateway::admin_password);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(has(r, kOk + "TLS certificate: TLSv1.")) << r.out;
  EXPECT_TRUE(has(r, "expires in 29 days") || has(r, "expires in 30 days")) << r.out;
  EXPECT_TRUE(has(r, kOk + "Login as admin")) << r.out;

  // The same certificate reached by another name: the name check fails.
  r = doctor({"gateway", "https://localhost:" + std::to_string(gw.port()), "--ca-file", cert});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(has(r, "does not name localhost")) << r.out;
}

TEST(Doctor, GatewayIceServersThatCannotBeReached) {
  const auto udp = closed_port(), tcp_port = closed_port();
  gateway gw("[webrtc]\nstun_urls = [\"stun:127.0.0.1:" + std::to_string(udp) +
             "\"]\nturn_urls = [\"turn:127.0.0.1:" + std::to_string(tcp_port) +
             "?transport=tcp\"]\n");
  const auto r = doctor({"gateway", "http://" + at(gw.port()), "--user", "admin",
                         "--password-stdin", "--timeout-ms", "1000"},
                        gateway::admin_password);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(has(r, "ICE servers (GET /api/webrtc/ice-servers)") && has(r, ": 2 URLs")) << r.out;
  EXPECT_TRUE(has(r, kFail + "stun:127.0.0.1:" + std::to_string(udp))) << r.out;
  EXPECT_TRUE(has(r, "no STUN answer over UDP")) << r.out;
  EXPECT_TRUE(has(r, kFail + "turn:127.0.0.1:" + std::to_string(tcp_port) + "?transport=tcp"))
      << r.out;
  EXPECT_TRUE(has(r, "cannot reach 127.0.0.1:" + std::to_string(tcp_port) + " over TCP")) << r.out;
  EXPECT_LT(r.seconds, 10);
}
