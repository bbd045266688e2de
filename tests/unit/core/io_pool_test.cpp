#include "core/io_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace camgate::core {
namespace {

TEST(io_pool, HandsOutEveryContextRoundRobin) {
  io_pool pool(3);
  ASSERT_EQ(pool.size(), 3u);
  std::set<asio::io_context*> seen;
  asio::io_context* first = &pool.next();
  seen.insert(first);
  seen.insert(&pool.next());
  seen.insert(&pool.next());
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen.contains(&pool.main()));
  EXPECT_EQ(&pool.next(), first) << "the fourth connection goes where the first went";
}

TEST(io_pool, EachContextRunsOnItsOwnThreadAndRunReturnsAfterStop) {
  io_pool pool(2);
  std::mutex m;
  std::set<std::thread::id> threads;
  std::atomic<int> ran{0};
  for (int i = 0; i < 4; ++i) {
    asio::post(pool.next(), [&] {
      {
        std::lock_guard lock(m);
        threads.insert(std::this_thread::get_id());
      }
      if (++ran == 4) pool.stop();
    });
  }
  pool.run();  // returns only once stop() ran on every context
  EXPECT_EQ(ran.load(), 4);
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_TRUE(threads.contains(std::this_thread::get_id())) << "main() runs on the caller";
}

TEST(io_pool, IdleContextsKeepRunningUntilStopped) {
  io_pool pool(2);
  std::atomic<bool> late{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // Work arriving after a quiet spell still runs: no context ran out of work and returned.
    for (int i = 0; i < 2; ++i)
      asio::post(pool.next(), [&] {
        if (late.exchange(true)) pool.stop();  // the second one, whichever context it is on
      });
  });
  pool.run();
  stopper.join();
  EXPECT_TRUE(late.load());
}

TEST(io_pool, FindsTheContextBehindAStrandExecutor) {
  io_pool pool(2);
  auto& ctx = pool.next();
  asio::any_io_executor ex = asio::make_strand(ctx);
  EXPECT_EQ(&io_context_of(ex), &ctx);
}

TEST(io_pool, AtLeastOneThread) {
  io_pool pool(0);
  EXPECT_EQ(pool.size(), 1u);
}

}  // namespace
}  // namespace camgate::core
