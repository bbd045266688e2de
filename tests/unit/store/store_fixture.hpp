#pragma once
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "store/database.hpp"
#include "support/pg_server.hpp"

// A fresh directory per test under the system temp dir, removed afterwards, so tests
// run in parallel (ctest -j) and leave nothing behind.
class store_fixture : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_dir(); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path db_path() const { return dir_ / "camgate.db"; }

 public:
  static std::filesystem::path make_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device rd;
    std::string name = "camgate-store-" + std::string(info->test_suite_name()) + "-" +
                       info->name() + "-" + std::to_string(rd());
    for (char& c : name)
      if (c == '/') c = '_';  // parameterised names: Suite/Test/param
    auto dir = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(dir);
    return dir;
  }

 protected:
  std::filesystem::path dir_;
};

enum class backend { sqlite, postgresql };

inline std::string backend_name(const ::testing::TestParamInfo<backend>& info) {
  return info.param == backend::sqlite ? "sqlite" : "postgresql";
}

// The same test against each store backend: SQLite in a fresh directory, or a fresh
// database (copied from a migrated template) on the process's PostgreSQL server.
//
//   class my_test : public backend_fixture {};
//   TEST_P(my_test, X) { auto db = open_db(); ... }
//   INSTANTIATE_TEST_SUITE_P(backends, my_test, all_backends(), backend_name);
class backend_fixture : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    dir_ = store_fixture::make_dir();
    if (GetParam() == backend::postgresql) {
      server_ = camgate::testing::pg_server::shared();
      if (server_ == nullptr) GTEST_SKIP() << camgate::testing::pg_server::missing();
      database_ = server_->create_database_from(migrated_template(*server_));
    }
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Opens (again) this test's database.
  std::unique_ptr<camgate::store::database> open_db() {
    if (GetParam() == backend::sqlite)
      return std::make_unique<camgate::store::database>(dir_ / "camgate.db");
    return camgate::store::database::open(url(), dir_);
  }
  std::string url() const { return server_ != nullptr ? server_->url(database_) : ""; }
  bool is_sqlite() const { return GetParam() == backend::sqlite; }

  std::filesystem::path dir_;
  camgate::testing::pg_server* server_ = nullptr;
  std::string database_;

 private:
  // Migrating once per process and copying the result keeps each test's setup short.
  static const std::string& migrated_template(camgate::testing::pg_server& server) {
    static const std::string name = [&server] {
      auto n = server.create_database();
      camgate::store::database::open(server.url(n), {});  // migrates, then disconnects
      return n;
    }();
    return name;
  }
};

inline auto all_backends() {
  return ::testing::Values(backend::sqlite, backend::postgresql);
}
