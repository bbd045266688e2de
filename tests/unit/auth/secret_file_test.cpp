#include "auth/secret_file.hpp"

#include <sys/stat.h>

#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/error.hpp"

using namespace camgate::auth;
using ::testing::HasSubstr;

namespace {

class secret_file_test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("camgate-auth-" + std::string(info->name()) + "-" + std::to_string(rd()));
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

bool is_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

TEST_F(secret_file_test, CreatedOnceWithMode0600AndReused) {
  const auto data_dir = dir_ / "data";
  const std::string first = load_or_create_secret(data_dir);
  EXPECT_EQ(first.size(), 64u);  // 32 bytes, hex
  EXPECT_TRUE(is_hex(first)) << first;

  const auto file = data_dir / "jwt_secret";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  EXPECT_EQ(load_or_create_secret(data_dir), first);
  // Nothing but the secret is left in the directory (no temporary files).
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(data_dir)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(secret_file_test, TwoDirectoriesGetDifferentSecrets) {
  EXPECT_NE(load_or_create_secret(dir_ / "a"), load_or_create_secret(dir_ / "b"));
}

TEST_F(secret_file_test, ReadsAnOperatorProvidedSecret) {
  std::filesystem::create_directories(dir_);
  {
    std::ofstream out(dir_ / "jwt_secret");
    out << "an operator chose this long secret phrase!!\n\n";
  }
  EXPECT_EQ(load_or_create_secret(dir_), "an operator chose this long secret phrase!!");
}

TEST_F(secret_file_test, ShortSecretIsAnActionableError) {
  std::filesystem::create_directories(dir_);
  { std::ofstream(dir_ / "jwt_secret") << "short\n"; }
  try {
    load_or_create_secret(dir_);
    FAIL() << "a short secret must throw";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("jwt_secret"));
    EXPECT_THAT(e.what(), HasSubstr("delete it"));
  }
}

TEST_F(secret_file_test, UnusableDirectoryIsAnError) {
  std::filesystem::create_directories(dir_);
  { std::ofstream(dir_ / "file") << "x"; }
  EXPECT_THROW(load_or_create_secret(dir_ / "file"), error);
}
