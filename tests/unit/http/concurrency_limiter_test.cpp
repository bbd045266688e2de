#include "http/concurrency_limiter.hpp"

#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

using camgate::httpd::concurrency_limiter;

TEST(ConcurrencyLimiter, CapsLiveLeasesPerKey) {
  concurrency_limiter limiter(2);
  auto a = limiter.acquire("alice");
  auto b = limiter.acquire("alice");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->key(), "alice");
  EXPECT_FALSE(limiter.acquire("alice"));
  EXPECT_EQ(limiter.count("alice"), 2u);
  // Other keys are counted apart.
  auto c = limiter.acquire("bob");
  EXPECT_TRUE(c);
  EXPECT_EQ(limiter.count("bob"), 1u);
  EXPECT_EQ(limiter.keys(), 2u);
}

TEST(ConcurrencyLimiter, DestroyingALeaseFreesItsSlot) {
  concurrency_limiter limiter(1);
  {
    auto lease = limiter.acquire("alice");
    ASSERT_TRUE(lease);
    EXPECT_FALSE(limiter.acquire("alice"));
  }
  EXPECT_EQ(limiter.count("alice"), 0u);
  EXPECT_EQ(limiter.keys(), 0u);  // nothing kept for keys without leases
  auto again = limiter.acquire("alice");
  EXPECT_TRUE(again);
  again.reset();
  EXPECT_TRUE(limiter.acquire("alice"));
}

TEST(ConcurrencyLimiter, MovingALeaseMovesTheSlot) {
  concurrency_limiter limiter(1);
  auto first = limiter.acquire("alice");
  ASSERT_TRUE(first);
  concurrency_limiter::lease moved = std::move(*first);
  first.reset();  // the moved-from lease releases nothing
  EXPECT_EQ(limiter.count("alice"), 1u);
  EXPECT_FALSE(limiter.acquire("alice"));

  auto bob = limiter.acquire("bob");
  ASSERT_TRUE(bob);
  moved = std::move(*bob);  // assigning releases alice's slot, takes bob's
  EXPECT_EQ(limiter.count("alice"), 0u);
  EXPECT_EQ(limiter.count("bob"), 1u);
  EXPECT_EQ(moved.key(), "bob");
}

TEST(ConcurrencyLimiter, LeaseMayOutliveTheLimiter) {
  std::optional<concurrency_limiter::lease> lease;
  {
    concurrency_limiter limiter(1);
    lease = limiter.acquire("alice");
    ASSERT_TRUE(lease);
  }
  lease.reset();  // no crash, no leak (the sanitizer build checks)
}

TEST(ConcurrencyLimiter, IsThreadSafe) {
  concurrency_limiter limiter(3);
  std::atomic<int> over{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto lease = limiter.acquire("shared");
        if (lease && limiter.count("shared") > 3) ++over;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(limiter.count("shared"), 0u);
  EXPECT_EQ(limiter.keys(), 0u);
}

TEST(ConcurrencyLimiter, RejectsZeroCap) {
  EXPECT_THROW(concurrency_limiter(0), std::invalid_argument);
}
