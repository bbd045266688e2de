#include "http/rate_limiter.hpp"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

using camgate::httpd::rate_limiter;

namespace {
constexpr std::int64_t kT0 = 5'000'000;  // ms on some steady clock
}  // namespace

TEST(RateLimiter, AllowsABurstThenDenies) {
  rate_limiter limiter(1.0, 5, 100);
  for (int i = 0; i < 5; ++i) {
    const auto d = limiter.take("10.0.0.1", kT0);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.retry_after_s, 0);
  }
  const auto denied = limiter.take("10.0.0.1", kT0);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after_s, 1);
  // Keys do not share buckets.
  EXPECT_TRUE(limiter.take("10.0.0.2", kT0).allowed);
}

TEST(RateLimiter, RefillsOverTime) {
  rate_limiter limiter(2.0, 4, 100);  // one token every 500 ms
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.take("k", kT0).allowed);
  EXPECT_FALSE(limiter.take("k", kT0).allowed);
  EXPECT_FALSE(limiter.take("k", kT0 + 499).allowed);
  EXPECT_TRUE(limiter.take("k", kT0 + 500).allowed);
  EXPECT_FALSE(limiter.take("k", kT0 + 500).allowed);
  // Denied attempts cost nothing: one more token 500 ms after the last refill.
  EXPECT_TRUE(limiter.take("k", kT0 + 1000).allowed);
  // A long pause refills up to the burst, not beyond.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.take("k", kT0 + 3'600'000).allowed) << i;
  EXPECT_FALSE(limiter.take("k", kT0 + 3'600'000).allowed);
}

TEST(RateLimiter, SteadyRateIsExact) {
  rate_limiter limiter(10.0, 1, 10);  // one every 100 ms, no burst
  int allowed = 0;
  for (std::int64_t t = 0; t < 10'000; t += 10) {
    if (limiter.take("k", kT0 + t).allowed) ++allowed;
  }
  EXPECT_EQ(allowed, 100);
}

TEST(RateLimiter, RetryAfterIsTheCeilingInSeconds) {
  rate_limiter slow(0.2, 2, 10);  // one token every 5 s
  ASSERT_TRUE(slow.take("k", kT0).allowed);
  ASSERT_TRUE(slow.take("k", kT0).allowed);
  EXPECT_EQ(slow.take("k", kT0).retry_after_s, 5);
  EXPECT_EQ(slow.take("k", kT0 + 1).retry_after_s, 5);  // 4.999 s
  EXPECT_EQ(slow.take("k", kT0 + 1000).retry_after_s, 4);
  EXPECT_EQ(slow.take("k", kT0 + 4001).retry_after_s, 1);  // 0.999 s
  EXPECT_TRUE(slow.take("k", kT0 + 5000).allowed);

  rate_limiter fast(100.0, 1, 10);  // 10 ms per token: still at least 1 s
  ASSERT_TRUE(fast.take("k", kT0).allowed);
  const auto d = fast.take("k", kT0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_s, 1);
}

TEST(RateLimiter, ClockSteppingBackGivesNothing) {
  rate_limiter limiter(1.0, 1, 10);
  ASSERT_TRUE(limiter.take("k", kT0).allowed);
  EXPECT_FALSE(limiter.take("k", kT0 - 60'000).allowed);
  EXPECT_FALSE(limiter.take("k", kT0 + 999).allowed);
  EXPECT_TRUE(limiter.take("k", kT0 + 1000).allowed);
}

TEST(RateLimiter, MemoryIsBounded) {
  rate_limiter limiter(1.0, 3, 50);
  for (int i = 0; i < 10'000; ++i) {
    limiter.take("client-" + std::to_string(i), kT0 + i);
    ASSERT_LE(limiter.size(), 50u);
  }
  EXPECT_EQ(limiter.size(), 50u);
}

TEST(RateLimiter, EvictsTheLeastRecentlyUsedFirst) {
  rate_limiter limiter(1.0, 2, 3);
  // a, b, c exhausted at kT0; a used again, so b is now the oldest.
  for (const char* k : {"a", "b", "c"}) {
    ASSERT_TRUE(limiter.take(k, kT0).allowed);
    ASSERT_TRUE(limiter.take(k, kT0).allowed);
  }
  EXPECT_FALSE(limiter.take("a", kT0).allowed);
  EXPECT_TRUE(limiter.take("d", kT0).allowed);  // evicts b
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.take("a", kT0).allowed);  // a and c keep their (empty) buckets
  EXPECT_FALSE(limiter.take("c", kT0).allowed);
  EXPECT_TRUE(limiter.take("b", kT0).allowed);  // b starts afresh (evicting d)
}

TEST(RateLimiter, DropsRefilledBucketsAlongTheWay) {
  rate_limiter limiter(1.0, 2, 4);
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(limiter.take(k, kT0).allowed);
  // Ten seconds later every bucket is full again: the new key clears them all out.
  EXPECT_TRUE(limiter.take("e", kT0 + 10'000).allowed);
  EXPECT_EQ(limiter.size(), 1u);
}

TEST(RateLimiter, IsThreadSafe) {
  rate_limiter limiter(1.0, 1000, 64);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (limiter.take(i % 2 ? "shared" : "own-" + std::to_string(t), kT0).allowed) ++allowed;
      }
    });
  }
  for (auto& th : threads) th.join();
  // "shared" gives 1000 tokens in total, each "own-t" 1000 requests, all allowed.
  EXPECT_EQ(allowed.load(), 1000 + 4 * 1000);
}

TEST(RateLimiter, RejectsBadConfiguration) {
  EXPECT_THROW(rate_limiter(0, 1, 1), std::invalid_argument);
  EXPECT_THROW(rate_limiter(-1, 1, 1), std::invalid_argument);
  EXPECT_THROW(rate_limiter(1.0 / 0.0, 1, 1), std::invalid_argument);
  EXPECT_THROW(rate_limiter(1, 0.5, 1), std::invalid_argument);
  EXPECT_THROW(rate_limiter(1, 1, 0), std::invalid_argument);
}

TEST(RateLimiterPeek, TellsWithoutTaking) {
  camgate::httpd::rate_limiter r(1.0, 2, 10);
  EXPECT_TRUE(r.peek("a", 0).allowed);  // unknown key
  EXPECT_TRUE(r.take("a", 0).allowed);
  EXPECT_TRUE(r.take("a", 0).allowed);
  for (int i = 0; i < 3; ++i) {  // peeking never drains nor creates
    auto d = r.peek("a", 0);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after_s, 1);
  }
  EXPECT_TRUE(r.peek("a", 1000).allowed);
  EXPECT_TRUE(r.take("a", 1000).allowed);
  EXPECT_FALSE(r.take("a", 1000).allowed);
  EXPECT_TRUE(r.peek("b", 0).allowed);
  EXPECT_EQ(r.size(), 1u);
}
