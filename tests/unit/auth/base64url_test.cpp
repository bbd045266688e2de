#include "auth/base64url.hpp"

#include <gtest/gtest.h>

#include "auth/compact_jws.hpp"

using namespace camgate::auth;

TEST(Base64url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    const std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << text;
    EXPECT_EQ(base64url_decode(text), bytes);
    bytes.push_back(static_cast<char>(i * 37 + 250));
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64url, DecodingIsStrict) {
  EXPECT_EQ(base64url_decode("aGk"), "hi");
  EXPECT_FALSE(base64url_decode("aGk="));   // padding
  EXPECT_FALSE(base64url_decode("aGl"));    // non-zero trailing bits: a second spelling
  EXPECT_FALSE(base64url_decode("aGk/"));   // standard alphabet
  EXPECT_FALSE(base64url_decode("a Gk"));   // whitespace
  EXPECT_FALSE(base64url_decode("aGkxM"));  // a length no encoding has
  EXPECT_FALSE(base64url_decode(std::string_view("aG\0k", 4)));
}

TEST(CompactJws, SplitsThreeParts) {
  const auto parts = compact_jws::split("aGk.eyJ9.c2ln");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->header, "aGk");
  EXPECT_EQ(parts->payload, "eyJ9");
  EXPECT_EQ(parts->signature, "c2ln");
  EXPECT_EQ(parts->signing_input, "aGk.eyJ9");
  EXPECT_TRUE(compact_jws::split("a.b."));  // empty signature: the caller decides

  for (const char* bad : {"", "a", "a.b", ".b.c", "a..c", "a.b.c.d", "a.b=.c", "a.b.c d"}) {
    EXPECT_FALSE(compact_jws::split(bad)) << bad;
  }
}
