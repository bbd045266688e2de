#include "core/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace camgate::core {
namespace {

// Writes `text` to a TOML file of its own and loads it.
config load(const std::string& text) {
  const auto file =
      std::filesystem::temp_directory_path() /
      ("camgate-config-test-" +
       std::to_string(::testing::UnitTest::GetInstance()->current_test_info()->line()) + ".toml");
  std::ofstream(file) << text;
  struct remove_after {
    std::filesystem::path p;
    ~remove_after() { std::filesystem::remove(p); }
  } cleanup{file};
  return load_config(file);
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
      "[server]\nlisten = \"127.0.0.1:9000\"\nthreads = 2\n"
      "[auth]\ncookie_secure = true\n"
      "[cors]\nallowed_origins = [\"https://a.example\", \"https://b.example\"]\n"
      "allow_credentials = false\n"
      "[limits]\nlogin_per_minute_ip = 12.5\nstreams_per_user = 0\n");
  EXPECT_EQ(c.server.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.server.threads, 2);
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

TEST(config, ASyntaxErrorNamesTheLine) {
  const auto e = error_of("[server]\nthreads = 2\nlisten = \n");
  EXPECT_NE(e.find(".toml:3:"), std::string::npos) << e;
}

}  // namespace
}  // namespace camgate::core
