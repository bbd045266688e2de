#include "http/query.hpp"

#include <gtest/gtest.h>

using namespace camgate::httpd;

TEST(Query, DecodesEscapesAndPlus) {
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%2F%2f", false), "//");
}

TEST(Query, RejectsBrokenEscapes) {
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_FALSE(percent_decode("%2", false));
  EXPECT_FALSE(percent_decode("%zz", false));
  EXPECT_FALSE(percent_decode("abc%4", false));
}

TEST(Query, SplitsPairs) {
  auto q = parse_query("access_token=abc.def&camera_id=3&flag&empty=&x=%41&x=last&bad=%zz");
  EXPECT_EQ(q["access_token"], "abc.def");
  EXPECT_EQ(q["camera_id"], "3");
  EXPECT_EQ(q["flag"], "");
  EXPECT_EQ(q["empty"], "");
  EXPECT_EQ(q["x"], "last");
  EXPECT_EQ(q.count("bad"), 0u);
}
