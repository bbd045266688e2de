#include "hub/channel.hpp"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <thread>

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

namespace {
// A subscriber on one io_context's thread, as the MJPEG and WebSocket sessions are.
struct threaded_subscriber : camgate::hub::subscriber {
  explicit threaded_subscriber(boost::asio::io_context& io) : io(io) {}
  boost::asio::io_context& io;
  std::vector<std::uint64_t> seqs;
  int posted = 0;  // deliver() calls: there should be none
  void deliver(const frame_ptr&) override { ++posted; }
  void deliver_here(const frame_ptr& f) override {
    EXPECT_TRUE(io.get_executor().running_in_this_thread());
    seqs.push_back(f->seq());
  }
  void end(end_reason) override {}
  boost::asio::io_context* home() const override { return &io; }
};
}  // namespace

TEST(Channel, OneTaskPerThreadPerFrame) {
  channel ch("cam1");
  boost::asio::io_context io1, io2;
  std::vector<std::shared_ptr<threaded_subscriber>> subs;
  // Interleaved on purpose: the channel keeps each thread's subscribers together.
  for (int i = 0; i < 6; ++i) {
    subs.push_back(std::make_shared<threaded_subscriber>(i % 2 ? io2 : io1));
    ch.subscribe(subs.back());
  }
  auto plain = std::make_shared<recording_subscriber>();
  ch.subscribe(plain);
  subs[4].reset();  // gone: skipped, the others of its thread still served
  for (std::uint64_t n = 1; n <= 3; ++n) ch.publish(frame_n(n));
  EXPECT_EQ(plain->seqs, (std::vector<std::uint64_t>{1, 2, 3}));
  std::size_t tasks1 = 0, tasks2 = 0;
  std::thread t([&] { tasks2 = io2.run(); });
  tasks1 = io1.run();
  t.join();
  EXPECT_EQ(tasks1, 3u);  // one handler per frame for all of io1's viewers
  EXPECT_EQ(tasks2, 3u);
  for (const auto& s : subs) {
    if (!s) continue;
    EXPECT_EQ(s->seqs, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_EQ(s->posted, 0);
  }
}

TEST(Channel, SubscribingTwiceDeliversOnceAndStrangersUnsubscribeHarmlessly) {
  channel ch("cam1");
  auto a = std::make_shared<recording_subscriber>();
  recording_subscriber never_subscribed;
  ch.subscribe(a);
  ch.subscribe(a);
  ch.unsubscribe(&never_subscribed);
  EXPECT_EQ(ch.viewers(), 1u);
  ch.publish(frame_n(1));
  EXPECT_EQ(a->seqs, (std::vector<std::uint64_t>{1}));
  ch.unsubscribe(a.get());
  ch.unsubscribe(a.get());  // a session's close and stop both unsubscribe
  ch.subscribe(a);          // and a resubscribe counts again
  ch.publish(frame_n(2));
  EXPECT_EQ(a->seqs, (std::vector<std::uint64_t>{1, 2}));
}

TEST(Channel, AViewerAtTheAddressOfOneThatLeftWithoutUnsubscribingGetsFrames) {
  channel ch("cam1");
  // Placement into one buffer makes the address reuse certain, not up to the allocator.
  struct holder {
    alignas(recording_subscriber) unsigned char bytes[sizeof(recording_subscriber)];
  } storage;
  auto* first = new (storage.bytes) recording_subscriber;
  std::shared_ptr<recording_subscriber> a(
      first, [](recording_subscriber* p) { p->~recording_subscriber(); });
  ch.subscribe(a);
  a.reset();  // destroyed, never unsubscribed
  auto* second = new (storage.bytes) recording_subscriber;
  std::vector<std::uint64_t> got;
  {
    std::shared_ptr<recording_subscriber> b(
        second, [](recording_subscriber* p) { p->~recording_subscriber(); });
    ch.subscribe(b);
    EXPECT_EQ(ch.viewers(), 1u);
    ch.publish(frame_n(7));
    got = b->seqs;
  }
  EXPECT_EQ(got, (std::vector<std::uint64_t>{7}));
}

TEST(Channel, ThousandsLeavingAtOnceLeaveTheRestSubscribed) {
  // A booking end cuts every stream of a class at once, each unsubscribing twice; the
  // list publish() iterates is rebuilt once, at the next frame (bench/booking_cut.py
  // measures the time).
  channel ch("cam1");
  constexpr int n = 4000;
  std::vector<std::shared_ptr<recording_subscriber>> subs;
  for (int i = 0; i < n; ++i) {
    subs.push_back(std::make_shared<recording_subscriber>());
    ch.subscribe(subs.back());
  }
  ch.publish(frame_n(1));
  for (int i = 0; i < n - 1; ++i) {
    ch.unsubscribe(subs[static_cast<std::size_t>(i)].get());
    ch.unsubscribe(subs[static_cast<std::size_t>(i)].get());
  }
  EXPECT_EQ(ch.viewers(), 1u);
  ch.publish(frame_n(2));
  EXPECT_EQ(subs.back()->seqs, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(subs.front()->seqs, (std::vector<std::uint64_t>{1}));
}
