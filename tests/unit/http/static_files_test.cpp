#include "http/static_files.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace camgate;
using namespace camgate::httpd;

namespace {

response serve(const handler& h, std::string path) {
  asio::io_context ioc;
  request req{http::verb::get, "/", 11};
  request_context ctx{req, std::move(path), {}, {}, "127.0.0.1", std::nullopt};
  response out;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out = co_await h(ctx); }, asio::detached);
  ioc.run();
  return out;
}

class StaticFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("camgate-static-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_);
    std::ofstream(root_ / "app.js") << "export {};\n";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

}  // namespace

TEST_F(StaticFiles, ServesAFile) {
  auto r = serve(static_files(root_), "/app.js");
  EXPECT_EQ(r.message.result(), http::status::ok);
  EXPECT_EQ(r.message.body(), "export {};\n");
}

// The installable page: browsers read the manifest only with its own type, and take a
// service worker only when it is JavaScript; no-cache lets a new deploy's sw.js be seen.
TEST_F(StaticFiles, ServesTheManifestAndServiceWorkerWithTheirTypes) {
  EXPECT_EQ(content_type_for("manifest.webmanifest"), "application/manifest+json");
  EXPECT_EQ(content_type_for("icons/icon-192.png"), "image/png");
  std::ofstream(root_ / "manifest.webmanifest") << R"({"name": "camgate"})";
  std::ofstream(root_ / "sw.js") << "self.addEventListener('fetch', () => {});\n";

  auto m = serve(static_files(root_), "/manifest.webmanifest");
  EXPECT_EQ(m.message.result(), http::status::ok);
  EXPECT_EQ(m.message[http::field::content_type], "application/manifest+json");
  EXPECT_EQ(nlohmann::json::parse(m.message.body())["name"], "camgate");

  auto sw = serve(static_files(root_), "/sw.js");
  EXPECT_EQ(sw.message.result(), http::status::ok);
  EXPECT_EQ(sw.message[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(sw.message[http::field::cache_control], "no-cache");
}

// "%00" decodes to a NUL, which the file system calls would take as the name's end.
TEST_F(StaticFiles, RefusesANulInThePath) {
  using namespace std::string_literals;
  for (const auto& path : {"/app.js\0.txt"s, "/\0"s, "/app.js\0"s}) {
    auto r = serve(static_files(root_), path);
    EXPECT_EQ(r.message.result(), http::status::bad_request);
    EXPECT_EQ(nlohmann::json::parse(r.message.body())["success"], false);
  }
}
