// Issue 12's findings 4, 5, 7, 8 and 9 against the real gateway binary: token-less
// Engine.IO handshakes, login lock-out by strangers, private database files,
// WebSocket Origin, Transfer-Encoding and NUL in paths.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
using json = nlohmann::json;
namespace http = camgate::http;
using namespace std::chrono_literals;

namespace {

struct raw_answer {
  unsigned status = 0;
  std::string head;
  std::string body;
};

// Sends `bytes` to the gateway from the local address `from` (any 127.x.y.z works on
// Linux, so one test has many client addresses) and reads the answer: until EOF, or
// only its header when `head_only` (a 101 keeps the connection open).
raw_answer raw_exchange(std::uint16_t port, const std::string& bytes,
                        const std::string& from = "127.0.0.1", bool head_only = false) {
  raw_answer out;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return out;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return out;
  }
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
    if (head_only && got.find("\r\n\r\n") != std::string::npos) break;
  }
  ::close(fd);
  const auto end = got.find("\r\n\r\n");
  out.head = got.substr(0, end);
  if (end != std::string::npos) out.body = got.substr(end + 4);
  if (got.starts_with("HTTP/1.1 ") && got.size() >= 12) out.status = std::stoul(got.substr(9, 3));
  return out;
}

raw_answer request_from(const std::string& from, std::uint16_t port, const std::string& method,
                        const std::string& target, const std::string& body = "",
                        const std::string& extra_headers = "") {
  return raw_exchange(port,
                      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" +
                          std::to_string(port) + "\r\nConnection: close\r\n" + extra_headers +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
                      from);
}

raw_answer login_from(const std::string& from, std::uint16_t port, const std::string& user,
                      const std::string& password) {
  return request_from(from, port, "POST", "/auth/login",
                      json{{"username", user}, {"password", password}}.dump(),
                      "Content-Type: application/json\r\n");
}

// {"success": false, "error": ...} -> the error; anything else -> a note saying so.
std::string error_of(const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object() || j.value("success", true) != false) return "<not an error body: " + body;
  return j.value("error", "");
}

const std::string handshake = "/socket.io/?EIO=4&transport=polling";

// The sid of an Engine.IO open packet ("0{...}").
std::string sid_of(const raw_answer& r) {
  if (!r.body.starts_with("0")) return "";
  return json::parse(r.body.substr(1), nullptr, false).value("sid", "");
}

// A WebSocket upgrade with the session cookie and (unless empty) an Origin.
raw_answer upgrade(std::uint16_t port, const std::string& target, const std::string& token,
                   const std::string& origin) {
  return raw_exchange(port,
                      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\nCookie: camgate_session=" +
                          token + "\r\n" + (origin.empty() ? "" : "Origin: " + origin + "\r\n") +
                          "\r\n",
                      "127.0.0.1", true);
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 07777;
  return st.st_mode & 07777;
}

// `camgate user add NAME` on `data`; returns its output (stdout and stderr).
std::string user_add(const std::string& data, const std::string& name) {
  const auto cmd = "echo password-for-" + name + " | " + bin_path("camgate") + " user add " + name +
                   " --role user --password-stdin --data " + data + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

}  // namespace

// Finding 4: 300 token-less handshakes used to fill max_connections and lock an admin
// out until they timed out (45 s).
TEST(Hardening, TokenlessEngineIoHandshakesCannotLockAnAdminOut) {
  gateway gw{"[signaling]\nmax_connections = 20\n"};
  int opened = 0, refused = 0;
  for (int i = 0; i < 300; ++i) {
    auto r = request_from("127.0.0.1", gw.port(), "GET", handshake);
    if (r.status == 200u) ++opened;
    if (r.status == 429u) {
      ++refused;
      if (refused == 1) {
        EXPECT_FALSE(error_of(r.body).starts_with("<")) << r.body;
      }
    }
  }
  EXPECT_EQ(opened, 8);  // pending_per_address's default
  EXPECT_EQ(refused, 292);
  // An admin with a credential at the handshake (header, or ?token=) is not pending.
  auto header = request_from("127.0.0.1", gw.port(), "GET", handshake, "",
                             "Authorization: Bearer " + gw.admin_token() + "\r\n");
  EXPECT_EQ(header.status, 200u) << header.body;
  EXPECT_FALSE(sid_of(header).empty()) << header.body;
  auto query =
      request_from("127.0.0.1", gw.port(), "GET", handshake + "&token=" + gw.admin_token());
  EXPECT_EQ(query.status, 200u) << query.body;
  EXPECT_FALSE(sid_of(query).empty()) << query.body;
}

TEST(Hardening, PendingEngineIoSessionsHaveAGlobalCapAndATimeout) {
  gateway gw{
      "[signaling]\npending_per_address = 2\nmax_pending_connections = 3\n"
      "connect_timeout_ms = 2500\n"};
  auto a1 = request_from("127.0.0.2", gw.port(), "GET", handshake);
  auto a2 = request_from("127.0.0.2", gw.port(), "GET", handshake);
  auto a3 = request_from("127.0.0.2", gw.port(), "GET", handshake);
  EXPECT_EQ(a1.status, 200u);
  EXPECT_EQ(a2.status, 200u);
  EXPECT_EQ(a3.status, 429u) << a3.body;
  auto b1 = request_from("127.0.0.3", gw.port(), "GET", handshake);
  auto b2 = request_from("127.0.0.3", gw.port(), "GET", handshake);
  EXPECT_EQ(b1.status, 200u);
  EXPECT_EQ(b2.status, 503u) << b2.body;
  EXPECT_FALSE(error_of(b2.body).starts_with("<")) << b2.body;

  // A pending session that sends CONNECT with a token stops being pending: its place
  // is free for the next handshake, and the timeout no longer applies to it.
  const auto sid = sid_of(b1);
  ASSERT_FALSE(sid.empty());
  auto connect = request_from("127.0.0.3", gw.port(), "POST", handshake + "&sid=" + sid,
                              "40" + json{{"token", gw.admin_token()}}.dump(),
                              "Content-Type: text/plain;charset=UTF-8\r\n");
  EXPECT_EQ(connect.status, 200u) << connect.body;
  auto b3 = request_from("127.0.0.3", gw.port(), "GET", handshake);
  EXPECT_EQ(b3.status, 200u) << b3.body;

  // After connect_timeout_ms the sessions that never authenticated are gone.
  std::this_thread::sleep_for(4000ms);
  auto gone = request_from("127.0.0.2", gw.port(), "GET", handshake + "&sid=" + sid_of(a1));
  EXPECT_EQ(gone.status, 400u) << gone.body;
  auto kept = request_from("127.0.0.3", gw.port(), "GET", handshake + "&sid=" + sid);
  EXPECT_EQ(kept.status, 200u) << kept.body;
  EXPECT_NE(kept.body.find("40{"), std::string::npos) << kept.body;  // the CONNECT answer
  auto again = request_from("127.0.0.2", gw.port(), "GET", handshake);
  EXPECT_EQ(again.status, 200u) << again.body;
}

// Finding 5: ten wrong passwords for a user from one address made the right password
// from another address answer 429.
TEST(Hardening, StrangersFailedLoginsDelayButNeverRefuseTheRightPassword) {
  // Slow refills (one attempt per 10 minutes), so a slow run (sanitizers) cannot earn
  // tokens back between the steps.
  gateway gw{
      "[limits]\nlogin_per_minute_ip = 0.1\nlogin_per_minute_user = 0.1\n"
      "login_failure_delay_ms = 800\n"};
  for (int i = 0; i < 10; ++i) {
    auto r = login_from("127.0.0.2", gw.port(), "alice", "wrong-password");
    EXPECT_EQ(r.status, 401u) << i << r.body;
  }
  // The stranger's own address (and its pair with the name) is throttled.
  auto more = login_from("127.0.0.2", gw.port(), "alice", "wrong-password");
  EXPECT_EQ(more.status, 429u) << more.body;
  EXPECT_NE(more.head.find("Retry-After:"), std::string::npos) << more.head;

  // Alice from elsewhere: let in, after the delay her name's failures earned.
  const auto start = std::chrono::steady_clock::now();
  auto right = login_from("127.0.0.3", gw.port(), "alice", gateway::user_password);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(right.status, 200u) << right.body;
  EXPECT_GE(took, 750ms);
  // A wrong password from there waits as long and is a plain 401, so the delay tells
  // nothing about the password.
  const auto start2 = std::chrono::steady_clock::now();
  auto wrong = login_from("127.0.0.3", gw.port(), "alice", "wrong-again");
  EXPECT_EQ(wrong.status, 401u) << wrong.body;
  EXPECT_GE(std::chrono::steady_clock::now() - start2, 750ms);
}

// Finding 8: WebSocket upgrades accepted a foreign page's Origin with the cookie.
TEST(Hardening, WebSocketUpgradesRefuseForeignOrigins) {
  camsim cam;
  gateway gw{"[cors]\nallowed_origins = [\"https://clinic.example\"]\n"};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  const auto ws = "/api/cameras/" + std::to_string(id) + "/ws";
  const auto self = "http://127.0.0.1:" + std::to_string(gw.port());
  for (const auto& target :
       {ws, std::string("/signaling"), std::string("/socket.io/?EIO=4&transport=websocket")}) {
    auto evil = upgrade(gw.port(), target, gw.admin_token(), "https://evil.example");
    EXPECT_EQ(evil.status, 403u) << target << "\n" << evil.head;
    EXPECT_NE(error_of(evil.body).find("origin"), std::string::npos) << evil.body;
    auto lookalike = upgrade(gw.port(), target, gw.admin_token(), "http://127.0.0.1:1");
    EXPECT_EQ(lookalike.status, 403u) << target;
  }
  EXPECT_EQ(upgrade(gw.port(), ws, gw.admin_token(), self).status, 101u);
  EXPECT_EQ(upgrade(gw.port(), ws, gw.admin_token(), "https://clinic.example").status, 101u);
  EXPECT_EQ(upgrade(gw.port(), ws, gw.admin_token(), "").status, 101u);  // not a browser
  EXPECT_EQ(upgrade(gw.port(), "/signaling", gw.admin_token(), self).status, 101u);
}

// Finding 9: "Transfer-Encoding: xchunked" was ignored (the body then read as the next
// request); "%00" in a static path was served.
TEST(Hardening, TransferEncodingOtherThanChunkedIs400) {
  gateway gw;
  const std::string body = json{{"username", "alice"}, {"password", "x"}}.dump();
  const auto chunked = [&](const std::string& te_lines) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    return raw_exchange(gw.port(), "POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                                       te_lines + "Content-Type: application/json\r\n\r\n" + size +
                                       "\r\n" + body + "\r\n0\r\n\r\n");
  };
  for (const auto* te : {"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: gzip, chunked\r\n",
                         "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                         "Transfer-Encoding: chunked, chunked\r\n"}) {
    auto r = chunked(te);
    EXPECT_EQ(r.status, 400u) << te << r.body;
    EXPECT_NE(error_of(r.body).find("Transfer-Encoding"), std::string::npos) << r.body;
  }
  // Exactly one "chunked" (any case) is read as usual: a wrong password.
  EXPECT_EQ(chunked("Transfer-Encoding: Chunked\r\n").status, 401u);
}

TEST(Hardening, NulInAPathIs400) {
  gateway gw;
  for (const auto* target : {"/index.html%00.txt", "/%00", "/api/cameras%00"}) {
    auto r = request_from("127.0.0.1", gw.port(), "GET", target);
    EXPECT_EQ(r.status, 400u) << target << r.body;
    EXPECT_FALSE(error_of(r.body).starts_with("<")) << r.body;
  }
}

// Finding 7: camgate.db and its -wal and -shm were 0644 in a 0755 folder.
TEST(Hardening, DatabaseFilesArePrivate) {
  temp_dir top;
  const auto data = top.path() + "/new/data";
  EXPECT_NE(user_add(data, "carol").find("carol"), std::string::npos);
  EXPECT_EQ(mode_of(top.path() + "/new"), 0700u);
  EXPECT_EQ(mode_of(data), 0700u);
  EXPECT_EQ(mode_of(data + "/camgate.db"), 0600u);

  // The running gateway: the database and the WAL files SQLite makes beside it.
  gateway gw;
  const auto db = gw.data_dir() + "/camgate.db";
  EXPECT_EQ(mode_of(db), 0600u);
  EXPECT_EQ(mode_of(db + "-wal"), 0600u);
  EXPECT_EQ(mode_of(db + "-shm"), 0600u);
  ASSERT_EQ(gw.stop(), 0);

  // A file left readable (an older camgate, a copy) is tightened, with a warning.
  ::chmod(db.c_str(), 0644);
  const auto out = user_add(gw.data_dir(), "dave");
  EXPECT_NE(out.find("readable by others"), std::string::npos) << out;
  EXPECT_EQ(mode_of(db), 0600u);
}
