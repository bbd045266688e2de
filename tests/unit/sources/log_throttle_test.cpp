#include "sources/log_throttle.hpp"

#include <gtest/gtest.h>

using camgate::sources::log_throttle;

TEST(LogThrottle, OneLinePerIntervalAndCountsTheRest) {
  log_throttle t(1'000'000);
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(t.allow(0, suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(t.allow(100, suppressed));
  EXPECT_FALSE(t.allow(999'999, suppressed));
  EXPECT_TRUE(t.allow(1'000'000, suppressed));
  EXPECT_EQ(suppressed, 2u);
  EXPECT_FALSE(t.allow(1'500'000, suppressed));
}
