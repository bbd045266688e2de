#include "sources/rate_meter.hpp"

#include <gtest/gtest.h>

using camgate::sources::rate_meter;

TEST(RateMeter, SteadyRateIsMeasured) {
  rate_meter m(2'000'000);
  std::int64_t t = 0;
  for (int i = 0; i < 100; ++i, t += 40'000) m.add(t);  // 25 per second
  EXPECT_NEAR(m.rate(t - 40'000), 25.0, 0.5);
  EXPECT_NEAR(m.rate(t), 25.0, 1.5);
}

TEST(RateMeter, EmptyAndSingleEventAreZero) {
  rate_meter m;
  EXPECT_EQ(m.rate(0), 0.0);
  m.add(1000);
  EXPECT_EQ(m.rate(2000), 0.0);
}

TEST(RateMeter, DecaysWhenEventsStop) {
  rate_meter m(2'000'000);
  for (std::int64_t t = 0; t <= 1'000'000; t += 100'000) m.add(t);  // 10 per second
  EXPECT_NEAR(m.rate(1'000'000), 10.0, 0.1);
  EXPECT_LT(m.rate(1'900'000), 6.0);
  EXPECT_EQ(m.rate(3'100'000), 0.0);  // all events left the window
}

TEST(RateMeter, ReflectsAChangeOfRateWithinTheWindow) {
  rate_meter m(2'000'000);
  std::int64_t t = 0;
  for (; t < 4'000'000; t += 100'000) m.add(t);  // 10/s
  for (; t < 8'000'000; t += 20'000) m.add(t);   // 50/s
  EXPECT_NEAR(m.rate(t - 20'000), 50.0, 1.0);
}
