#include "hub/channel.hpp"

#include <gtest/gtest.h>

#include <optional>

using camgate::core::end_reason;
using camgate::core::frame_ptr;
using camgate::core::make_frame;
using camgate::hub::channel;

namespace {
struct recording_subscriber : camgate::hub::subscriber {
  std::vector<std::uint64_t> seqs;
  std::optional<end_reason> ended;
  void deliver(const frame_ptr& f) override { seqs.push_back(f->seq()); }
  void end(end_reason why) override { ended = why; }
};
frame_ptr frame_n(std::uint64_t n) {
  return make_frame({0xFF, 0xD8, 0xFF, 0xD9}, n, 0);
}
}  // namespace

TEST(Channel, FansOutEveryFrameToEverySubscriber) {
  channel ch("cam1");
  auto a = std::make_shared<recording_subscriber>();
  auto b = std::make_shared<recording_subscriber>();
  ch.subscribe(a);
  ch.subscribe(b);
  EXPECT_EQ(ch.viewers(), 2u);
  ch.publish(frame_n(1));
  ch.publish(frame_n(2));
  EXPECT_EQ(a->seqs, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(b->seqs, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(ch.latest()->seq(), 2u);
  EXPECT_EQ(ch.frames_published(), 2u);
}

TEST(Channel, UnsubscribedAndDestroyedViewersGetNothing) {
  channel ch("cam1");
  auto a = std::make_shared<recording_subscriber>();
  auto b = std::make_shared<recording_subscriber>();
  ch.subscribe(a);
  ch.subscribe(b);
  ch.unsubscribe(a.get());
  b.reset();
  EXPECT_EQ(ch.viewers(), 0u);
  ch.publish(frame_n(1));
  EXPECT_TRUE(a->seqs.empty());
}

TEST(Channel, NextFrameWaiterFiresOnce) {
  channel ch("cam1");
  int calls = 0;
  std::uint64_t got = 0;
  ch.on_next_frame([&](frame_ptr f) {
    ++calls;
    got = f->seq();
  });
  ch.publish(frame_n(7));
  ch.publish(frame_n(8));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, 7u);
}

TEST(Channel, EndClosesSubscribersWaitersAndLateComers) {
  channel ch("cam1");
  auto a = std::make_shared<recording_subscriber>();
  ch.subscribe(a);
  bool waiter_got_null = false;
  ch.on_next_frame([&](frame_ptr f) { waiter_got_null = (f == nullptr); });
  ch.end(end_reason::camera_removed);
  EXPECT_EQ(a->ended, end_reason::camera_removed);
  EXPECT_TRUE(waiter_got_null);
  auto late = std::make_shared<recording_subscriber>();
  ch.subscribe(late);
  EXPECT_EQ(late->ended, end_reason::camera_removed);
  ch.publish(frame_n(1));
  EXPECT_EQ(ch.latest(), nullptr);
  EXPECT_TRUE(a->seqs.empty());
}
