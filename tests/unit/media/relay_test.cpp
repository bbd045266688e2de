// Source "relay" in process: a robot's engine (camgate-robot's, test pattern) answers the
// relay engine's offer; viewers offer to the relay. SDP and ICE go straight between
// them, no gateway, no signaling.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "media/media_engine.hpp"
#include "media_engine_test_support.hpp"

using namespace camgate::media;
using namespace camgate::media::testing;
using namespace std::chrono_literals;

namespace {

// The robot and the relay, wired to each other as the gateway's signaling would.
struct robot_and_relay {
  switchboard robot_sb;  // the robot's own events (its one viewer is the relay)
  switchboard relay_sb;  // the relay's viewers
  std::atomic<int> offers{0};
  std::unique_ptr<media_engine> robot;
  std::unique_ptr<media_engine> relay;

  explicit robot_and_relay(std::vector<video_codec> robot_codecs = {video_codec::h264,
                                                                    video_codec::vp8}) {
    media_options ro;
    ro.source = "relay";
    ro.ice_local_addresses = {"127.0.0.1"};
    ro.source_retry_initial = 100ms;
    ro.source_retry_max = 500ms;
    auto ev = relay_sb.events();
    ev.on_upstream_offer = [this](const std::string& sdp) {
      ++offers;
      if (robot) robot->handle_offer("relay", sdp);
    };
    ev.on_upstream_candidate = [this](unsigned m, const std::string& c) {
      if (robot) robot->add_remote_candidate("relay", m, c);
    };
    relay = std::make_unique<media_engine>(ro, ev);
    start_robot(std::move(robot_codecs));
    relay->start();
  }
  ~robot_and_relay() {
    relay.reset();
    robot.reset();
  }

  void start_robot(std::vector<video_codec> codecs) {
    auto o = test_options();
    o.width = 640;
    o.height = 360;
    o.codecs = std::move(codecs);
    auto ev = robot_sb.events();
    ev.on_answer = [this](const std::string&, const std::string& sdp) {
      relay->set_upstream_answer(sdp);
    };
    ev.on_candidate = [this](const std::string&, unsigned m, const std::string& c) {
      relay->add_upstream_candidate(m, c);
    };
    robot = std::make_unique<media_engine>(o, ev);
    robot->start();
  }
};

}  // namespace

TEST(relay, one_upstream_for_every_viewer_and_nothing_decoded) {
  robot_and_relay r;
  viewer_session a(*r.relay, r.relay_sb, "alice#1");
  viewer_session b(*r.relay, r.relay_sb, "bob#1");
  viewer_session c(*r.relay, r.relay_sb, "carol#1");
  for (auto* v : {&a, &b, &c}) {
    ASSERT_FALSE(v->answer.empty()) << v->id << ": no answer";
    ASSERT_TRUE(v->rx->wait_frames(1, 10s))
        << v->id << ": no frame decoded, RTP bytes " << v->rx->rtp_bytes();
  }
  std::printf("[ perf ] relay: offer to first decoded frame %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         *a.rx->first_frame_at() - a.offered_at)
                                         .count()));
  const double fps = measured_fps(*c.rx, 2s);
  std::printf("[ perf ] relayed %.1f fps at %dx%d\n", fps, c.rx->width(), c.rx->height());
  EXPECT_GE(fps, 25.0);
  EXPECT_EQ(c.rx->width(), 640);
  EXPECT_EQ(c.rx->height(), 360);
  EXPECT_EQ(r.robot->stats().peers, 1u) << "the robot sends one stream, to the relay";
  EXPECT_EQ(r.offers.load(), 1);
  const auto st = r.relay->stats();
  EXPECT_EQ(st.peers, 3u);
  EXPECT_GT(st.frames_captured, 30u) << "frames relayed";
  EXPECT_EQ(st.h264_frames_encoded + st.vp8_frames_encoded, 0u) << "the relay never encodes";
  EXPECT_TRUE(st.source_running);
}

TEST(relay, a_joining_viewer_gets_a_keyframe_from_the_robot_at_once) {
  robot_and_relay r;
  viewer_session a(*r.relay, r.relay_sb, "alice#1");
  ASSERT_TRUE(a.rx->wait_frames(1, 10s));
  std::this_thread::sleep_for(300ms);  // past the first keyframe; the next is 2 s away
  const auto asked = r.robot->stats().keyframes_requested;
  viewer_session b(*r.relay, r.relay_sb, "bob#1");
  ASSERT_TRUE(b.rx->wait_frames(1, 5s));
  const auto waited = *b.rx->first_frame_at() - b.offered_at;
  std::printf("[ perf ] relay: a joining viewer's first frame after %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()));
  EXPECT_LT(waited, 1500ms) << "the robot's keyframe interval is 2 s: the PLI did not go up";
  EXPECT_GT(r.robot->stats().keyframes_requested, asked);
  EXPECT_GT(r.relay->stats().keyframes_requested, 0u);
}

TEST(relay, the_robots_codec_decides_and_a_viewer_without_it_is_refused) {
  robot_and_relay r({video_codec::vp8});
  viewer_session a(*r.relay, r.relay_sb, "alice#1", {.codecs = {"H264", "VP8"}});
  ASSERT_FALSE(a.answer.empty());
  EXPECT_NE(a.answer.find("VP8/90000"), std::string::npos) << a.answer;
  ASSERT_TRUE(a.rx->wait_frames(5, 10s));
  EXPECT_EQ(a.rx->decoded_codec(), "VP8");
  viewer_session b(*r.relay, r.relay_sb, "bob#1", {.codecs = {"H264"}});
  EXPECT_TRUE(b.answer.empty());
  EXPECT_TRUE(r.relay_sb.wait_state("bob#1", peer_state::failed, 2s));
  EXPECT_NE(r.relay_sb.details["bob#1"].find("no codec in common"), std::string::npos)
      << r.relay_sb.details["bob#1"];
}

TEST(relay, viewers_stay_connected_while_the_robot_drops_and_returns) {
  robot_and_relay r;
  viewer_session a(*r.relay, r.relay_sb, "alice#1");
  ASSERT_TRUE(a.rx->wait_frames(10, 10s));
  r.robot.reset();  // the robot's process ends
  std::this_thread::sleep_for(200ms);
  r.start_robot({video_codec::h264, video_codec::vp8});
  r.relay->restart_upstream();  // the gateway saw it register again
  const auto before = a.rx->frames_decoded();
  EXPECT_TRUE(a.rx->wait_frames(before + 30, 10s)) << "the viewer's stream did not resume";
  EXPECT_EQ(r.relay->stats().peers, 1u);
  EXPECT_TRUE(r.relay_sb.states["alice#1"] != peer_state::failed);
}

TEST(relay, a_new_offer_on_restart_and_after_a_bad_answer) {
  switchboard sb;
  std::atomic<int> offers{0};
  media_options o;
  o.source = "relay";
  o.source_retry_initial = 50ms;
  o.source_retry_max = 100ms;
  o.source_stall_timeout = 300ms;
  auto ev = sb.events();
  ev.on_upstream_offer = [&](const std::string& sdp) {
    ++offers;
    EXPECT_NE(sdp.find("a=recvonly"), std::string::npos) << sdp;
  };
  media_engine relay(o, ev);
  // Waits for the offers, not a fixed time: a loaded machine takes longer to make one.
  auto offers_reach = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (offers.load() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    return offers.load();
  };
  relay.start();
  EXPECT_EQ(offers_reach(1), 1);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(offers.load(), 1) << "one offer until something happens";
  relay.restart_upstream();
  EXPECT_EQ(offers_reach(2), 2);
  relay.set_upstream_answer("not sdp at all");  // refused, then retried
  EXPECT_GE(offers_reach(3), 3);
  EXPECT_EQ(relay.stats().source_running, false);
}

// The robot's stream decoded into JPEG pictures for the hub, with no WebRTC viewer at all.
void expect_pictures(std::vector<video_codec> robot_codecs) {
  robot_and_relay r(std::move(robot_codecs));
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<std::uint8_t>> pictures;
  const auto asked = std::chrono::steady_clock::now();
  r.relay->set_picture_sink([&](std::vector<std::uint8_t> jpeg) {
    std::lock_guard lock(mu);
    pictures.push_back(std::move(jpeg));
    cv.notify_all();
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return pictures.size() >= 30; }))
        << pictures.size() << " picture(s) in 10 s";
  }
  std::printf("[ perf ] relay pictures: 30th JPEG after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - asked)
                                         .count()));
  {
    std::lock_guard lock(mu);
    const auto& j = pictures.back();
    ASSERT_GT(j.size(), 1000u);
    EXPECT_EQ(j[0], 0xFF);
    EXPECT_EQ(j[1], 0xD8) << "not a JPEG";
    EXPECT_EQ(j[j.size() - 2], 0xFF);
    EXPECT_EQ(j[j.size() - 1], 0xD9);
  }
  EXPECT_EQ(r.relay->stats().peers, 0u);
  EXPECT_GE(r.relay->stats().pictures_decoded, 30u);
  // Nobody wants pictures any more: decoding stops.
  r.relay->set_picture_sink({});
  r.relay->sync();
  std::size_t after;
  {
    std::lock_guard lock(mu);
    after = pictures.size();
  }
  std::this_thread::sleep_for(500ms);
  std::lock_guard lock(mu);
  EXPECT_EQ(pictures.size(), after) << "pictures kept coming after the sink was removed";
}

TEST(relay, h264_pictures_for_the_hub_without_any_viewer) {
  expect_pictures({video_codec::h264});
}

TEST(relay, vp8_pictures_for_the_hub_without_any_viewer) {
  expect_pictures({video_codec::vp8});
}
