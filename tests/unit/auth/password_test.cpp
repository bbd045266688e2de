#include "auth/password.hpp"

#include <chrono>

#include <gtest/gtest.h>

using namespace camgate::auth;

// argon2id costs ~64 MiB and a fraction of a second per hash: few hashes here.
TEST(Password, HashVerifiesAndRejectsWrongPassword) {
  const std::string hash = hash_password("correct horse battery staple");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password(hash, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(hash, "correct horse battery stapl"));
  EXPECT_FALSE(verify_password(hash, ""));
}

TEST(Password, EmptyPasswordStillHashes) {
  const std::string a = hash_password("");
  EXPECT_TRUE(verify_password(a, ""));
  EXPECT_FALSE(verify_password(a, " "));
}

TEST(Password, GarbageStoredHashIsFalse) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("plaintext-password", "plaintext-password"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$AAAA$BBBB", "x"));
  EXPECT_FALSE(verify_password(std::string(1000, '$'), "x"));
  EXPECT_FALSE(verify_password(std::string("$argon2id\0$", 11), "x"));
}

TEST(Password, DummyVerifyCostsLikeARealCheck) {
  dummy_verify();  // the first call also pays for hashing the dummy
  const std::string hash = hash_password("pw");
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  EXPECT_FALSE(verify_password(hash, "wrong"));
  const auto real = clock::now() - t0;
  t0 = clock::now();
  dummy_verify();
  const auto dummy = clock::now() - t0;
  // Same algorithm and limits, so the same order of magnitude (loose: CI machines jitter).
  EXPECT_GT(dummy * 4, real);
  EXPECT_LT(dummy, real * 4);
}
