#include "core/text.hpp"

#include <gtest/gtest.h>

namespace camgate::core {
namespace {

TEST(trim, RemovesBlanksOnBothSidesOnly) {
  EXPECT_EQ(trim("  a b\t"), "a b");
  EXPECT_EQ(trim("\tvalue\r"), "value");
  EXPECT_EQ(trim("a=1; b=2\r\n"), "a=1; b=2");
  EXPECT_EQ(trim("x"), "x");
  EXPECT_EQ(trim(" x y "), "x y");
}

TEST(trim, BlankAndEmptyGiveEmpty) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\r\n "), "");
}

TEST(trim, ReturnsAViewIntoTheInput) {
  constexpr std::string_view text = "  abc  ";
  const auto t = trim(text);
  EXPECT_EQ(t.data(), text.data() + 2);
  EXPECT_EQ(t.size(), 3u);
}

TEST(trim, LeavesOtherWhitespaceAlone) {
  // Only what HTTP and SDP call blanks: a form feed or NUL is content.
  EXPECT_EQ(trim("\fa\f"), "\fa\f");
  EXPECT_EQ(trim(std::string_view(" a\0", 3)), std::string_view("a\0", 2));
}

}  // namespace
}  // namespace camgate::core
