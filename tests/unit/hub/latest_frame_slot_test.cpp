#include "hub/latest_frame_slot.hpp"

#include <gtest/gtest.h>

#include <thread>

using camgate::core::make_frame;
using camgate::hub::latest_frame_slot;

namespace {
camgate::core::frame_ptr frame_n(std::uint64_t n) {
  return make_frame({0xFF, 0xD8, 0xFF, 0xD9}, n, 0);
}
}  // namespace

TEST(LatestFrameSlot, FirstOfferWakesConsumerLaterOnesDoNot) {
  latest_frame_slot slot;
  EXPECT_TRUE(slot.offer(frame_n(1)));
  EXPECT_FALSE(slot.offer(frame_n(2)));
  EXPECT_FALSE(slot.offer(frame_n(3)));
  auto f = slot.take();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->seq(), 3u) << "the consumer gets the newest frame";
  EXPECT_EQ(slot.skipped(), 2u);
  EXPECT_EQ(slot.take(), nullptr);
  EXPECT_TRUE(slot.offer(frame_n(4))) << "idle again after take() found nothing";
}

TEST(LatestFrameSlot, BusyConsumerIsNotWokenTwice) {
  latest_frame_slot slot;
  EXPECT_TRUE(slot.offer(frame_n(1)));
  auto first = slot.take();  // now writing frame 1
  ASSERT_TRUE(first);
  EXPECT_FALSE(slot.offer(frame_n(2))) << "a pump is running: it will take frame 2 itself";
  EXPECT_EQ(slot.take()->seq(), 2u);
  EXPECT_EQ(slot.skipped(), 0u);
  EXPECT_EQ(slot.take(), nullptr);
}

TEST(LatestFrameSlot, HoldsAtMostOnePendingFrame) {
  latest_frame_slot slot;
  std::weak_ptr<const camgate::core::frame> old;
  {
    auto f = frame_n(1);
    old = f;
    slot.offer(std::move(f));
  }
  slot.offer(frame_n(2));
  EXPECT_TRUE(old.expired()) << "a replaced pending frame must be released";
}

TEST(LatestFrameSlot, ConcurrentProducerNeverLosesTheLastFrame) {
  latest_frame_slot slot;
  std::atomic<bool> done{false};
  std::atomic<int> wakes{0};
  std::uint64_t last_seen = 0;
  std::thread producer([&] {
    for (std::uint64_t i = 1; i <= 100000; ++i)
      if (slot.offer(frame_n(i))) wakes++;
    done = true;
  });
  // The consumer drains whenever woken; at the end the last frame must have arrived.
  while (!done || last_seen != 100000) {
    while (auto f = slot.take()) last_seen = f->seq();
    if (done && last_seen != 100000) {
      auto f = slot.take();
      if (f) last_seen = f->seq();
    }
  }
  producer.join();
  EXPECT_EQ(last_seen, 100000u);
  EXPECT_GE(wakes.load(), 1);
}
