#include "core/config.hpp"
#include "config_text.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace camgate::core {
namespace {

// The current test's own TOML file.
std::filesystem::path test_file() {
  return std::filesystem::temp_directory_path() /
         ("camgate-config-test-" +
          std::to_string(::testing::UnitTest::GetInstance()->current_test_info()->line()) +
          ".toml");
}

// Writes `text` to the test's TOML file and loads it.
config load(const std::string& text) {
  return load_config_text(test_file(), text);
}

std::string error_of(const std::string& text) {
  try {
    load(text);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(config, ReadsEveryKindOfValue) {
  const auto c = load(
      "[server]\nlisten = \"127.0.0.1:9000\"\nthreads = 2\nzero_copy = false\n"
      "[auth]\ncookie_secure = true\n"
      "[cors]\nallowed_origins = [\"https://a.example\", \"https://b.example\"]\n"
      "allow_credentials = false\n"
      "[limits]\nlogin_per_minute_ip = 12.5\nstreams_per_user = 0\n");
  EXPECT_EQ(c.server.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.server.threads, 2);
  EXPECT_FALSE(c.server.zero_copy);
  EXPECT_TRUE(c.auth.cookie_secure);
  ASSERT_EQ(c.cors.allowed_origins.size(), 2u);
  EXPECT_EQ(c.cors.allowed_origins[1], "https://b.example");
  EXPECT_FALSE(c.cors.allow_credentials);
  EXPECT_DOUBLE_EQ(c.limits.login_per_minute_ip, 12.5);
  EXPECT_EQ(c.limits.streams_per_user, 0);
}

TEST(config, KeysLeftOutKeepTheirDefaults) {
  const auto c = load("[server]\nthreads = 1\n");
  EXPECT_EQ(c.server.listen, "0.0.0.0:8080");
  EXPECT_TRUE(c.server.zero_copy);
  EXPECT_TRUE(c.cors.allow_credentials);
  EXPECT_EQ(c.limits.streams_per_user, 16);
}

TEST(config, AnIntegerIsNotABoolean) {
  // toml++'s value<bool>() would read 3 as true: a typo must not switch a flag on.
  EXPECT_EQ(error_of("[cors]\nallow_credentials = 3\n"),
            "cors.allow_credentials must be true or false");
  EXPECT_EQ(error_of("[auth]\ncookie_secure = \"yes\"\n"),
            "auth.cookie_secure must be true or false");
}

TEST(config, WrongTypesAndRangesAreNamed) {
  EXPECT_EQ(error_of("[server]\nthreads = \"two\"\n"), "server.threads must be an integer");
  EXPECT_EQ(error_of("[server]\nthreads = -1\n"), "server.threads must not be negative");
  EXPECT_EQ(error_of("[server]\nlisten = 8080\n"), "server.listen must be a string");
  EXPECT_EQ(error_of("[cors]\nallowed_origins = \"https://a.example\"\n"),
            "cors.allowed_origins must be an array of strings");
  EXPECT_EQ(error_of("[server]\nlisten = \"nowhere\"\n"),
            "server.listen must be HOST:PORT, got 'nowhere'");
  EXPECT_EQ(error_of("[cameras]\npoll_fps = 0\n"), "cameras.poll_fps must be in (0, 120]");
}

TEST(config, PendingSignalingCapsAndTheLoginDelayAreRead) {
  const auto c = load(
      "[limits]\nlogin_failure_delay_ms = 250\n"
      "[signaling]\npending_per_address = 3\nmax_pending_connections = 40\n"
      "connect_timeout_ms = 500\n");
  EXPECT_EQ(c.limits.login_failure_delay_ms, 250);
  EXPECT_EQ(c.signaling.pending_per_address, 3);
  EXPECT_EQ(c.signaling.max_pending_connections, 40);
  EXPECT_EQ(c.signaling.connect_timeout_ms, 500);
  const config defaults;
  EXPECT_EQ(defaults.limits.login_failure_delay_ms, 1000);
  EXPECT_EQ(defaults.signaling.pending_per_address, 8);
  EXPECT_EQ(defaults.signaling.max_pending_connections, 1000);
  EXPECT_EQ(defaults.signaling.connect_timeout_ms, 10000);
  EXPECT_EQ(error_of("[signaling]\nconnect_timeout_ms = 10\n"),
            "signaling.connect_timeout_ms must be >= 100");
  EXPECT_EQ(error_of("[limits]\nlogin_failure_delay_ms = 600000\n"),
            "limits.login_failure_delay_ms must be <= 60000");
}

TEST(config, RecordingOffloadKeysAreReadAndChecked) {
  const auto c = load(
      "[recording]\non_complete = \"rclone copyto {path} {remote}\"\n"
      "remote_url = \"s3:b/{resource}/{id}.mp4\"\ndelete_after_offload = true\n"
      "fetch_command = \"rclone copyto {remote} {path}\"\noffload_timeout_s = 120\n");
  EXPECT_EQ(c.recording.remote_url, "s3:b/{resource}/{id}.mp4");
  EXPECT_TRUE(c.recording.delete_after_offload);
  EXPECT_EQ(c.recording.fetch_command, "rclone copyto {remote} {path}");
  EXPECT_EQ(c.recording.offload_timeout_s, 120);
  const config defaults;
  EXPECT_FALSE(defaults.recording.delete_after_offload);
  EXPECT_EQ(defaults.recording.offload_timeout_s, 600);
  EXPECT_EQ(error_of("[recording]\nremote_url = \"s3:b/{id}\"\n"),
            "recording.remote_url needs on_complete (the command that copies)");
  EXPECT_EQ(error_of("[recording]\non_complete = \"true\"\nremote_url = \"s3:b/{id}\"\n"
                     "delete_after_offload = true\n"),
            "recording.delete_after_offload needs on_complete, remote_url and fetch_command");
  EXPECT_EQ(error_of("[recording]\noffload_timeout_s = 0\n"),
            "recording.offload_timeout_s must be in [1, 86400]");
}

TEST(config, AllowedNetworksAreCidrs) {
  EXPECT_TRUE(load("").cameras.allowed_networks.empty());
  EXPECT_EQ(load("[cameras]\nallowed_networks = [\"192.168.1.0/24\", \"fd00::/8\"]\n")
                .cameras.allowed_networks.size(),
            2u);
  EXPECT_EQ(error_of("[cameras]\nallowed_networks = [\"192.168.1.1/24\"]\n"),
            "cameras.allowed_networks: '192.168.1.1/24' is not a CIDR like 192.168.1.0/24 (host "
            "bits zero)");
  EXPECT_NE(error_of("[cameras]\nallowed_networks = [\"lan\"]\n"), "");
}

TEST(config, ASyntaxErrorNamesTheLine) {
  const auto e = error_of("[server]\nthreads = 2\nlisten = \n");
  EXPECT_NE(e.find(".toml:3:"), std::string::npos) << e;
}

TEST(config, AnUnknownKeyIsAnErrorNamingTheKeyAndTheFile) {
  const auto e = error_of("[server]\nthreads = 2\nthreadz = 4\n");
  EXPECT_NE(e.find("unknown key 'server.threadz'"), std::string::npos) << e;
  EXPECT_NE(e.find(test_file().string() + ":3:"), std::string::npos) << e;
  // What the section does have, so the typo is easy to fix.
  EXPECT_NE(e.find("listen, threads, web_root"), std::string::npos) << e;
}

TEST(config, AnUnknownTableIsAnErrorNamingTheTableAndTheFile) {
  const auto e = error_of("[server]\nthreads = 2\n[serverz]\nthreads = 2\n");
  EXPECT_NE(e.find("unknown table [serverz]"), std::string::npos) << e;
  EXPECT_NE(e.find(test_file().string() + ":3:"), std::string::npos) << e;
}

TEST(config, KeysOutsideATableAndTablesThatAreNotAreErrors) {
  auto e = error_of("threads = 2\n");
  EXPECT_NE(e.find("unknown key 'threads'"), std::string::npos) << e;
  e = error_of("server = 2\n");
  EXPECT_NE(e.find("'server' must be a table"), std::string::npos) << e;
  e = error_of("[server.tls]\ncert = \"a.pem\"\n");
  EXPECT_NE(e.find("unknown key 'server.tls'"), std::string::npos) << e;
}

TEST(config, TheFirstUnknownKeyInTheFileIsNamed) {
  // toml++ keeps keys sorted; the report follows the file.
  const auto e = error_of("[server]\nzzz = 1\n[auth]\naaa = 1\n");
  EXPECT_NE(e.find("'server.zzz'"), std::string::npos) << e;
}

TEST(config, TheDocumentedExampleLoads) {
  // docs/configuration.md shows every key: each must be accepted as written there.
  // This file is tests/unit/core/config_test.cpp of the source tree.
  const auto source = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "..";
  std::ifstream in(source / "docs" / "configuration.md");
  ASSERT_TRUE(in) << source;
  const std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto begin = doc.find("```toml\n");
  ASSERT_NE(begin, std::string::npos);
  const auto end = doc.find("\n```", begin + 8);
  ASSERT_NE(end, std::string::npos);
  const auto example = doc.substr(begin + 8, end - begin - 8);
  EXPECT_NE(example.find("[signaling]"), std::string::npos);
  EXPECT_EQ(error_of(example), "");
}

TEST(config, AnalysisAndIntegrationsAreReadWithTheirNamedTables) {
  const auto c = load(R"(
[analysis]
workers = 3
frozen_after_ms = 1500
[analysis.default]
when = "watched"
fps = 1.5
analyzers = ["motion", "dental"]
[analysis.analyzers.dental]
url = "http://10.0.0.5:8000/v1/vision/detection"
format = "jpeg"
auth_header = "Authorization: Bearer x"
[integrations.webhooks.ops]
url = "http://127.0.0.1:9000/hook"
secret = "s"
events = ["alert"]
[integrations.mqtt]
host = "127.0.0.1"
qos = 1
)");
  EXPECT_EQ(c.analysis.workers, 3);
  EXPECT_EQ(c.analysis.frozen_after_ms, 1500);
  EXPECT_EQ(c.analysis.defaults.when, "watched");
  EXPECT_DOUBLE_EQ(c.analysis.defaults.fps, 1.5);
  ASSERT_EQ(c.analysis.external.count("dental"), 1u);
  EXPECT_EQ(c.analysis.external.at("dental").format, "jpeg");
  ASSERT_EQ(c.integrations.webhooks.count("ops"), 1u);
  EXPECT_EQ(c.integrations.webhooks.at("ops").events, std::vector<std::string>{"alert"});
  EXPECT_EQ(c.integrations.mqtt.qos, 1);
}

TEST(config, AnalysisMistakesAreNamed) {
  const auto error_of = [](const std::string& text) {
    try {
      load(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("[analysis]\nworkrs = 2\n").find("analysis.workrs"), std::string::npos);
  EXPECT_NE(error_of("[analysis.default]\nwhen = \"sometimes\"\n").find("analysis.default.when"),
            std::string::npos);
  EXPECT_NE(error_of("[analysis.analyzers.x]\nurl = \"https://a/b\"\n").find("http://"),
            std::string::npos);
  EXPECT_NE(error_of("[analysis.analyzers.\"a b\"]\nurl = \"http://a/b\"\n").find("letters"),
            std::string::npos);
  EXPECT_NE(
      error_of("[integrations.webhooks.w]\nurl = \"http://a/\"\nevents = [\"x\"]\n").find("events"),
      std::string::npos);
  EXPECT_NE(error_of("[integrations.mqtt]\ntopic_prefix = \"a/#\"\n").find("wildcards"),
            std::string::npos);
  EXPECT_NE(error_of("[analysis.analyzers.x]\nurl = \"http://a/\"\nauth_header = \"nocolon\"\n")
                .find("Name: value"),
            std::string::npos);
}

TEST(config, ClusterNeedsASecretAndAnAdvertisedHttpUrl) {
  const std::string redis = "[cluster]\nredis = \"redis://127.0.0.1:6379\"\n";
  const std::string secret = "secret = \"0123456789abcdef0123456789abcdef\"\n";
  const std::string url = "advertise_url = \"http://10.0.0.11:8080\"\n";
  const auto c = load(redis + secret + url + "node_id = \"gw-1\"\n");
  EXPECT_EQ(c.cluster.redis, "redis://127.0.0.1:6379");
  EXPECT_EQ(c.cluster.node_id, "gw-1");
  EXPECT_EQ(error_of(redis + url),
            "cluster.redis needs exactly one of cluster.secret and secret_file");
  EXPECT_EQ(error_of(redis + url + "secret = \"short\"\n"),
            "cluster.secret must be at least 32 characters");
  EXPECT_NE(error_of(redis + secret).find("cluster.advertise_url"), std::string::npos);
  EXPECT_NE(error_of(redis + secret + "advertise_url = \"https://x:1\"\n").find("advertise_url"),
            std::string::npos);
  EXPECT_EQ(error_of("[cluster]\nredis = \"http://x\"\n"),
            "cluster.redis must be empty or redis://[[user]:password@]host[:port][/db]");
  // Without redis, a single node: nothing else is needed.
  EXPECT_EQ(load("[cluster]\nnode_id = \"x\"\n").cluster.redis, "");
}

}  // namespace
}  // namespace camgate::core
