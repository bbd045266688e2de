// Where `camgate serve` keeps its data: [store] data_dir from the file (what the Debian
// package's /etc/camgate/camgate.toml sets), and `--data`, which wins over it.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "support/gateway_fixture.hpp"

using namespace camgate::testing;
namespace fs = std::filesystem;

namespace {

// Starts the gateway with a config naming `data_dir` plus `extra` flags; answers /health;
// stops it cleanly.
void serve_once(const fs::path& config, std::vector<std::string> extra) {
  std::vector<std::string> argv{bin_path("camgate"), "serve",    "--listen",
                                "127.0.0.1:0",       "--config", config.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  child_process gw(argv);
  const auto m = gw.wait_for_line(std::regex(R"(camgate listening on http://127\.0\.0\.1:(\d+))"),
                                  std::chrono::seconds(20));
  ASSERT_TRUE(m) << gw.output();
  const auto port = static_cast<std::uint16_t>(std::stoi((*m)[1]));
  EXPECT_EQ(http_request(port, boost::beast::http::verb::get, "/health").status, 200u);
  gw.signal(SIGTERM);
  EXPECT_EQ(gw.wait(), 0) << gw.output();
}

fs::path write_config(const fs::path& dir, const fs::path& data_dir) {
  const auto file = dir / "camgate.toml";
  std::ofstream(file) << "[store]\ndata_dir = \"" << data_dir.string() << "\"\n";
  return file;
}

}  // namespace

TEST(DataDir, TheConfigFileAloneSaysWhereTheDataGoes) {
  temp_dir tmp;
  const fs::path from_file = fs::path(tmp.path()) / "from-file";
  serve_once(write_config(tmp.path(), from_file), {});
  EXPECT_TRUE(fs::is_regular_file(from_file / "camgate.db"));
  EXPECT_TRUE(fs::is_regular_file(from_file / "jwt_secret"));
  // Created 0700: it holds the password hashes and the JWT key.
  EXPECT_EQ(fs::status(from_file).permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST(DataDir, DataFlagWinsOverTheConfigFile) {
  temp_dir tmp;
  const fs::path from_file = fs::path(tmp.path()) / "from-file";
  const fs::path from_flag = fs::path(tmp.path()) / "from-flag";
  serve_once(write_config(tmp.path(), from_file), {"--data", from_flag.string()});
  EXPECT_TRUE(fs::is_regular_file(from_flag / "camgate.db"));
  EXPECT_FALSE(fs::exists(from_file));
}
