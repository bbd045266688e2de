// `camgate serve` with [store] url on a real PostgreSQL: the API writes there; when the
// server stops, writes answer 503 with the JSON error while open streams go on; an
// unreachable server at start stops the gateway with one clear line.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "support/gateway_fixture.hpp"
#include "support/pg_server.hpp"
#include "support/ports.hpp"

using namespace camgate::testing;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

TEST(PostgresStore, ApiWritesThereAndAnOutageGives503WhileStreamsGoOn) {
  auto* server = pg_server::shared();
  if (server == nullptr) GTEST_SKIP() << pg_server::missing();
  const auto url = server->url(server->create_database(), "secret-pw-77");
  // The fixture's `camgate user add` calls read it too (--store-url's variable).
  ::setenv("CAMGATE_STORE_URL", url.c_str(), 1);

  camsim cam;
  gateway gw("[store]\nurl = \"" + url + "\"\n");
  const nlohmann::json bob = {{"username", "bob"}, {"password", "bob-password-1"}};
  const auto added = gw.post("/api/users", bob.dump(), gw.admin_token());
  ASSERT_EQ(added.status, 201u) << added.body;
  EXPECT_FALSE(gw.login("bob", "bob-password-1").empty());
  const auto camera = gw.add_camera(cam.port, gw.admin_token());
  EXPECT_GT(gw.book("bob", camera, now() + 3600, now() + 7200), 0);
  const auto booking = gw.book("alice", camera, now() - 1, now() + 3600);
  EXPECT_GT(booking, 0);
  // All of it is in PostgreSQL: another client (the CLI) reads it back from there.
  const std::string list = "'" + bin_path("camgate") + "' booking list --data /nonexistent";
  FILE* cli = ::popen(list.c_str(), "r");
  ASSERT_NE(cli, nullptr);
  std::string listed;
  char line[4096];
  for (std::size_t n; (n = std::fread(line, 1, sizeof line, cli)) > 0;) listed.append(line, n);
  EXPECT_EQ(::pclose(cli), 0);
  EXPECT_THAT(listed, HasSubstr("\tbob\t"));
  EXPECT_THAT(listed, HasSubstr("\talice\t"));

  mjpeg_reader mjpeg(gw.port(), "/api/cameras/" + std::to_string(camera) +
                                    "/stream?access_token=" + gw.user_token());
  ASSERT_EQ(mjpeg.status(), 200u);
  ASSERT_TRUE(mjpeg.next_frame(3s));

  server->stop();
  struct restart {
    pg_server* s;
    ~restart() { s->start(); }  // before the gateway stops (its audit rows)
  } again{server};

  const nlohmann::json body = {{"username", "alice"},
                               {"resource", "camera:" + std::to_string(camera)},
                               {"starts_at", now() + 7200},
                               {"ends_at", now() + 9000}};
  const auto refused = gw.post("/api/bookings", body.dump(), gw.admin_token());
  EXPECT_EQ(refused.status, 503u) << refused.body;
  const auto json = nlohmann::json::parse(refused.body, nullptr, false);
  EXPECT_EQ(json, (nlohmann::json{{"success", false}, {"error", "database unavailable"}}));

  // The stream opened before the outage keeps its frames (2 s of them), and tokens are
  // still checked from memory.
  const auto until = std::chrono::steady_clock::now() + 2s;
  int frames = 0;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(mjpeg.next_frame(2s)) << "the stream stopped with the database";
    ++frames;
  }
  EXPECT_GT(frames, 10);
  EXPECT_EQ(gw.get("/auth/me", gw.user_token()).status, 200u);
}

TEST(PostgresStore, UnreachableAtStartExitsWithOneClearLine) {
  temp_dir data;
  const auto port = std::to_string(unused_port());
  const auto config = data.path() + "/camgate.toml";
  std::ofstream(config) << "[store]\nurl = \"postgresql://camgate:secret-pw-78@127.0.0.1:" << port
                        << "/camgate\"\n";
  const std::string cmd = "'" + bin_path("camgate") + "' serve --listen 127.0.0.1:0 --data '" +
                          data.path() + "' --config '" + config + "' 2>&1";
  FILE* out = ::popen(cmd.c_str(), "r");
  ASSERT_NE(out, nullptr);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, out)) > 0;) text.append(buf, n);
  const int status = ::pclose(out);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_NE(WEXITSTATUS(status), 0) << text;
  EXPECT_THAT(
      text, HasSubstr("camgate: cannot connect to PostgreSQL at 127.0.0.1:" + port + "/camgate: "));
  EXPECT_THAT(text, HasSubstr("Connection refused"));
  EXPECT_THAT(text, Not(HasSubstr("secret-pw-78")));
  // One line: where, and libpq's reason.
  const auto at = text.find("camgate: cannot connect");
  ASSERT_NE(at, std::string::npos);
  EXPECT_THAT(text.substr(at, text.find('\n', at) - at), HasSubstr("Connection refused")) << text;
}

}  // namespace
