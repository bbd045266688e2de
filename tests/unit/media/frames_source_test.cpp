// Source "frames": an MJPEG camera's JPEG pictures pushed in by the gateway, decoded and
// encoded once, sent to WebRTC viewers at the camera's own size.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "camsim/frame_generator.hpp"
#include "media/media_engine.hpp"
#include "media_engine_test_support.hpp"

using namespace camgate::media;
using namespace camgate::media::testing;
using namespace std::chrono_literals;

namespace {

// Pushes camsim pictures into `engine` at `fps` until stopped.
class picture_pump {
 public:
  picture_pump(media_engine& engine, int width, int height, int fps)
      : thread_([this, &engine, width, height, fps] {
          camgate::camsim::frame_generator gen;
          const auto period = std::chrono::microseconds(1'000'000 / fps);
          auto next = std::chrono::steady_clock::now();
          for (std::uint64_t seq = 1; !stop_; ++seq) {
            engine.push_frame(gen.render({width, height, 70}, seq));
            next += period;
            std::this_thread::sleep_until(next);
          }
        }) {}
  ~picture_pump() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

media_options frames_options() {
  media_options o;
  o.source = "frames";
  o.bitrate_kbps = 1000;
  o.ice_local_addresses = {"127.0.0.1"};
  return o;
}

}  // namespace

TEST(frames_source, an_mjpeg_camera_plays_over_webrtc_at_its_own_size_and_rate) {
  switchboard sb;
  media_engine engine(frames_options(), sb.events());
  engine.start();
  picture_pump pump(engine, 800, 600, 25);
  viewer_session v(engine, sb, "carol#1");
  ASSERT_FALSE(v.answer.empty()) << "no answer";
  ASSERT_TRUE(v.rx->wait_frames(1, 10s)) << "no frame decoded";
  EXPECT_TRUE(sb.wait_state("carol#1", peer_state::connected, 5s));
  std::this_thread::sleep_for(500ms);
  const double fps = measured_fps(*v.rx, 3s);
  std::printf("[ perf ] frames source: decoded %.1f fps at %dx%d\n", fps, v.rx->width(),
              v.rx->height());
  EXPECT_EQ(v.rx->width(), 800);
  EXPECT_EQ(v.rx->height(), 600);
  EXPECT_GE(fps, 20.0);
  EXPECT_LE(fps, 28.0);  // a 25 fps camera
  EXPECT_GT(engine.stats().h264_frames_encoded, 0u);
}

TEST(frames_source, vp8_viewer_and_a_camera_that_changes_size) {
  switchboard sb;
  media_engine engine(frames_options(), sb.events());
  engine.start();
  {
    picture_pump pump(engine, 640, 480, 20);
    viewer_session v(engine, sb, "dave#1", {.codecs = {"VP8"}});
    ASSERT_FALSE(v.answer.empty());
    ASSERT_TRUE(v.rx->wait_frames(5, 10s))
        << engine.stats().vp8_frames_encoded << " VP8 frames encoded, "
        << engine.stats().frames_captured << " pictures decoded";
    EXPECT_EQ(v.rx->decoded_codec(), "VP8");
    EXPECT_EQ(v.rx->width(), 640);
  }
  // The camera's framesize changed (an ESP32 setting): the stream follows.
  picture_pump pump(engine, 320, 240, 20);
  std::this_thread::sleep_for(200ms);
  viewer_session v2(engine, sb, "dave#2", {.codecs = {"VP8"}});
  ASSERT_TRUE(v2.rx->wait_frames(5, 10s));
  EXPECT_EQ(v2.rx->width(), 320);
}

TEST(frames_source, pictures_before_start_or_broken_bytes_do_not_hurt) {
  switchboard sb;
  media_engine engine(frames_options(), sb.events());
  engine.push_frame(nullptr);
  camgate::camsim::frame_generator gen;
  engine.push_frame(gen.render({320, 240, 70}, 1));  // not started: dropped
  engine.start();
  std::vector<std::uint8_t> junk(1000, 0x42);
  engine.push_frame(camgate::core::make_frame(junk, 2, 0));
  picture_pump pump(engine, 320, 240, 20);
  viewer_session v(engine, sb, "erin#1");
  ASSERT_FALSE(v.answer.empty());
  EXPECT_TRUE(v.rx->wait_frames(5, 15s)) << "the engine recovers from a broken picture";
}
