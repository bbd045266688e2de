#pragma once
#include <filesystem>
#include <random>
#include <string>

#include <gtest/gtest.h>

// A fresh directory per test under the system temp dir, removed afterwards, so tests
// run in parallel (ctest -j) and leave nothing behind.
class store_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("camgate-store-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
            std::to_string(rd()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path db_path() const { return dir_ / "camgate.db"; }

  std::filesystem::path dir_;
};
