#include "core/backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

using camgate::core::backoff;
using std::chrono::milliseconds;

TEST(Backoff, CeilingDoublesUpToTheCap) {
  backoff b(milliseconds(100), milliseconds(1000), [] { return 0.999999; });
  std::vector<long> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(static_cast<long>(b.next().count()));
  EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800, 1000, 1000, 1000}));
}

TEST(Backoff, FullJitterScalesTheCeiling) {
  double r = 0.5;
  backoff b(milliseconds(100), milliseconds(10000), [&] { return r; });
  EXPECT_EQ(b.next(), milliseconds(50));
  r = 0.0;
  EXPECT_EQ(b.next(), milliseconds(0));
  r = 0.25;
  EXPECT_EQ(b.next(), milliseconds(100));  // ceiling 400
  EXPECT_EQ(b.ceiling(), milliseconds(800));
}

TEST(Backoff, ResetStartsOver) {
  backoff b(milliseconds(10), milliseconds(1000), [] { return 0.999999; });
  b.next();
  b.next();
  b.next();
  EXPECT_EQ(b.ceiling(), milliseconds(80));
  b.reset();
  EXPECT_EQ(b.attempt(), 0u);
  EXPECT_EQ(b.next(), milliseconds(10));
}

TEST(Backoff, OutOfRangeRandomValuesAreClamped) {
  backoff b(milliseconds(100), milliseconds(100), [] { return 7.0; });
  EXPECT_EQ(b.next(), milliseconds(100));
  backoff c(milliseconds(100), milliseconds(100), [] { return -1.0; });
  EXPECT_EQ(c.next(), milliseconds(0));
}

TEST(Backoff, ManyFailuresNeverOverflow) {
  backoff b(milliseconds(1), milliseconds(60000), [] { return 0.999999; });
  for (int i = 0; i < 1000; ++i) {
    const auto d = b.next();
    ASSERT_GE(d.count(), 0);
    ASSERT_LE(d, milliseconds(60000));
  }
  EXPECT_EQ(b.ceiling(), milliseconds(60000));
}

TEST(Backoff, DefaultRandomSourceStaysInRange) {
  backoff b(milliseconds(50), milliseconds(400));
  long sum = 0;
  for (int i = 0; i < 200; ++i) {
    const auto d = b.next();
    ASSERT_GE(d.count(), 0);
    ASSERT_LE(d.count(), 400);
    sum += static_cast<long>(d.count());
  }
  // Full jitter averages half the ceiling; a constant source would not.
  EXPECT_GT(sum, 200 * 400 / 4);
  EXPECT_LT(sum, 200 * 400 * 3 / 4);
}

TEST(Backoff, MaxOutJumpsToTheCapUntilReset) {
  backoff b(milliseconds(100), milliseconds(1000), [] { return 0.999999; });
  b.max_out();
  EXPECT_EQ(b.ceiling(), milliseconds(1000));
  EXPECT_EQ(b.next(), milliseconds(1000));
  EXPECT_EQ(b.next(), milliseconds(1000));
  b.reset();
  EXPECT_EQ(b.next(), milliseconds(100));
}
