#include "sources/camera_source.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <thread>

#include "core/jpeg_markers.hpp"
#include "fake_camera.hpp"

using namespace camgate;
using namespace camgate::sources;
using camgate::test::fake_camera;
using namespace std::chrono_literals;

namespace {

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 3s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

source_options fast_options() {
  source_options o;
  o.connect_timeout = 300ms;
  o.stall_timeout = 400ms;
  o.stale_after = 100ms;
  o.poll_fps = 50;
  o.backoff_initial = 10ms;
  o.backoff_max = 50ms;
  return o;
}

// A free port: bound once, then released.
std::uint16_t unused_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// Runs sources on an io_context of its own thread, the way the gateway does.
class CameraSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void TearDown() override {
    if (source_) source_->stop();
    source_.reset();
    work_.reset();
    thread_.join();
  }

  std::shared_ptr<camera_source> start(camera_endpoint ep, source_options o = fast_options()) {
    source_ = std::make_shared<camera_source>(ioc_.get_executor(), std::move(ep), o, channel_);
    source_->start();
    return source_;
  }

  std::uint64_t frames() const { return channel_->frames_published(); }

  bool wait_frames(std::uint64_t n, std::chrono::milliseconds timeout = 3s) {
    return eventually([&] { return frames() >= n; }, timeout);
  }

  void expect_latest_frame_is_sound(int width, int height) {
    const auto f = channel_->latest();
    ASSERT_TRUE(f);
    EXPECT_EQ(core::jpeg::complete_length(f->bytes()), f->size());
    EXPECT_EQ(f->width(), width);
    EXPECT_EQ(f->height(), height);
    EXPECT_GT(f->received_us(), 0);
  }

  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      ioc_.get_executor()};
  std::thread thread_;
  std::shared_ptr<hub::channel> channel_ = std::make_shared<hub::channel>("cam1");
  std::shared_ptr<camera_source> source_;
};

}  // namespace

TEST_F(CameraSourceTest, StreamsFromTheSamePort) {
  fake_camera cam({});
  auto src = start({"127.0.0.1", cam.port(), ""});
  ASSERT_TRUE(wait_frames(10));
  const auto s = src->status();
  EXPECT_EQ(s.state, source_state::streaming);
  EXPECT_EQ(s.mode, "mjpeg");
  EXPECT_EQ(s.active_url, "http://127.0.0.1:" + std::to_string(cam.port()) + "/stream");
  EXPECT_GE(s.frames, 10u);
  EXPECT_GT(s.bytes_in, s.frames * 200);
  EXPECT_EQ(s.frames_dropped, 0u);
  EXPECT_EQ(s.reconnects, 0u);
  EXPECT_EQ(s.width, 320);
  EXPECT_EQ(s.height, 240);
  EXPECT_GE(s.last_frame_age_ms, 0);
  EXPECT_LT(s.last_frame_age_ms, 100);
  EXPECT_GT(s.fps, 5.0);
  EXPECT_LT(s.fps, 150.0);
  expect_latest_frame_is_sound(320, 240);
  // Frame numbers count up from 1 without gaps.
  EXPECT_EQ(channel_->latest()->seq(), channel_->frames_published());
  EXPECT_EQ(cam.max_concurrent_streams(), 1);
  EXPECT_EQ(cam.stream_requests(), 1);
}

TEST_F(CameraSourceTest, StreamsChunkedWithoutContentLength) {
  fake_camera::options o;
  o.chunked = true;
  o.content_length = false;
  o.chunk_size = 61;
  fake_camera cam(o);
  auto src = start({"127.0.0.1", cam.port(), ""});
  ASSERT_TRUE(wait_frames(10));
  EXPECT_EQ(src->status().frames_dropped, 0u);
  expect_latest_frame_is_sound(320, 240);
}

TEST_F(CameraSourceTest, FindsTheStreamOnTheNextPort) {
  // Like the ESP32 CameraWebServer: pages on PORT, the stream on PORT+1.
  std::unique_ptr<fake_camera> web, stream;
  for (int tries = 0; tries < 20 && !stream; ++tries) {
    fake_camera::options w;
    w.serve_stream = false;
    web = std::make_unique<fake_camera>(w);
    try {
      stream = std::make_unique<fake_camera>(fake_camera::options{},
                                             static_cast<std::uint16_t>(web->port() + 1));
    } catch (const std::exception&) {
      web.reset();
    }
  }
  ASSERT_TRUE(stream);
  auto src = start({"127.0.0.1", web->port(), ""});
  ASSERT_TRUE(wait_frames(5));
  const auto s = src->status();
  EXPECT_EQ(s.state, source_state::streaming);
  EXPECT_EQ(s.active_url, "http://127.0.0.1:" + std::to_string(web->port() + 1) + "/stream");
  EXPECT_EQ(web->stream_requests(), 0);  // /stream on PORT answered 404
  EXPECT_GE(web->requests(), 2);         // GET / and GET /stream
  EXPECT_EQ(stream->max_concurrent_streams(), 1);
}

TEST_F(CameraSourceTest, PollsCaptureWhenThereIsNoStream) {
  fake_camera::options o;
  o.serve_stream = false;
  fake_camera cam(o);
  auto o2 = fast_options();
  o2.poll_fps = 40;
  auto src = start({"127.0.0.1", cam.port(), ""}, o2);
  ASSERT_TRUE(wait_frames(8));
  const auto s = src->status();
  EXPECT_EQ(s.state, source_state::polling);
  EXPECT_EQ(s.mode, "capture");
  EXPECT_EQ(s.active_url, "http://127.0.0.1:" + std::to_string(cam.port()) + "/capture");
  EXPECT_EQ(s.width, 320);
  expect_latest_frame_is_sound(320, 240);
  // Paced at poll_fps: 8 frames take at least 7 intervals of 25 ms.
  const auto start_frames = frames();
  std::this_thread::sleep_for(500ms);
  const auto polled = frames() - start_frames;
  EXPECT_GE(polled, 8u);
  EXPECT_LE(polled, 30u);
  // Keep-alive: the polls share a connection instead of one each.
  EXPECT_LT(cam.connections(), 8);
}

TEST_F(CameraSourceTest, UrlEndpointNamesTheResource) {
  fake_camera cam({});
  auto src = start({"127.0.0.1", 1, "http://127.0.0.1:" + std::to_string(cam.port()) + "/capture"});
  ASSERT_TRUE(wait_frames(3));
  EXPECT_EQ(src->status().mode, "capture");
  EXPECT_EQ(cam.stream_requests(), 0);
}

TEST_F(CameraSourceTest, UrlEndpointToAStreamSkipsDiscovery) {
  fake_camera cam({});
  auto src = start({"127.0.0.1", 1, "http://127.0.0.1:" + std::to_string(cam.port()) + "/stream"});
  ASSERT_TRUE(wait_frames(3));
  EXPECT_EQ(src->status().mode, "mjpeg");
  EXPECT_EQ(cam.requests(), 1);  // no GET / probe, no /capture
}

TEST_F(CameraSourceTest, ReconnectsAfterTheServerDiesAndComesBack) {
  auto cam = std::make_unique<fake_camera>(fake_camera::options{});
  const auto port = cam->port();
  auto src = start({"127.0.0.1", port, ""});
  ASSERT_TRUE(wait_frames(3));
  cam.reset();  // power cut
  ASSERT_TRUE(eventually([&] { return src->status().state == source_state::offline; }));
  EXPECT_FALSE(src->status().last_error.empty());
  std::this_thread::sleep_for(100ms);
  const auto before = frames();
  cam = std::make_unique<fake_camera>(fake_camera::options{}, port);
  ASSERT_TRUE(wait_frames(before + 5));
  const auto s = src->status();
  EXPECT_EQ(s.state, source_state::streaming);
  EXPECT_GE(s.reconnects, 1u);
  EXPECT_EQ(cam->max_concurrent_streams(), 1);
}

TEST_F(CameraSourceTest, ReconnectsAfterAStall) {
  fake_camera::options o;
  o.frames_per_connection = 3;
  fake_camera cam(o);
  auto opts = fast_options();
  opts.stall_timeout = 300ms;
  opts.stale_after = 80ms;
  auto src = start({"127.0.0.1", cam.port(), ""}, opts);
  ASSERT_TRUE(wait_frames(3));
  // Connected, no frame for stale_after: stale before the stall timeout hits.
  ASSERT_TRUE(eventually([&] { return src->status().state == source_state::stale; }, 1s));
  ASSERT_TRUE(wait_frames(9));
  const auto s = src->status();
  EXPECT_GE(s.reconnects, 2u);
  EXPECT_NE(s.last_error.find("no picture"), std::string::npos) << s.last_error;
  EXPECT_GE(cam.stream_requests(), 3);
  EXPECT_EQ(cam.max_concurrent_streams(), 1);
}

TEST_F(CameraSourceTest, RetriesWhenTheFirstConnectionFails) {
  const auto port = unused_port();
  auto src = start({"127.0.0.1", port, ""});
  ASSERT_TRUE(eventually([&] { return !src->status().last_error.empty(); }));
  EXPECT_NE(src->status().last_error.find("refused"), std::string::npos)
      << src->status().last_error;
  std::this_thread::sleep_for(100ms);
  EXPECT_GE(src->status().reconnects, 1u);
  fake_camera cam({}, port);
  ASSERT_TRUE(wait_frames(3));
  EXPECT_EQ(src->status().state, source_state::streaming);
}

TEST_F(CameraSourceTest, RetriesWhenTheFirstConnectionsAreDropped) {
  fake_camera::options o;
  o.close_first = 3;
  fake_camera cam(o);
  auto src = start({"127.0.0.1", cam.port(), ""});
  ASSERT_TRUE(wait_frames(3));
  EXPECT_GE(src->status().reconnects, 1u);
  EXPECT_GE(cam.connections(), 5);
}

TEST_F(CameraSourceTest, NeverHoldsTwoStreamConnections) {
  // Many short sessions: stalls after 2 frames, so the source reconnects again and again.
  fake_camera::options o;
  o.frames_per_connection = 2;
  o.frame_interval = 5ms;
  fake_camera cam(o);
  auto opts = fast_options();
  opts.stall_timeout = 60ms;
  opts.backoff_initial = 1ms;
  opts.backoff_max = 5ms;
  auto src = start({"127.0.0.1", cam.port(), ""}, opts);
  ASSERT_TRUE(eventually([&] { return cam.stream_requests() >= 8; }, 5s));
  EXPECT_EQ(cam.max_concurrent_streams(), 1);
  src->stop();
  ASSERT_TRUE(eventually([&] { return cam.open_streams() == 0; }, 1s));
}

TEST_F(CameraSourceTest, FakeCameraDetectsTwoStreamConnections) {
  // The check above must be able to fail: two raw clients on /stream are seen.
  fake_camera cam({});
  asio::io_context ioc;
  tcp::socket a(ioc), b(ioc);
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), cam.port());
  const std::string req = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";
  a.connect(ep);
  asio::write(a, asio::buffer(req));
  ASSERT_TRUE(eventually([&] { return cam.stream_requests() == 1; }));
  b.connect(ep);
  asio::write(b, asio::buffer(req));
  ASSERT_TRUE(eventually([&] { return cam.stream_requests() == 2; }));
  EXPECT_EQ(cam.max_concurrent_streams(), 2);
}

TEST_F(CameraSourceTest, BrokenPartsAreDroppedAndStreamingGoesOn) {
  fake_camera::options o;
  o.broken_every = 3;
  fake_camera cam(o);
  auto src = start({"127.0.0.1", cam.port(), ""});
  ASSERT_TRUE(wait_frames(10));
  const auto s = src->status();
  EXPECT_GE(s.frames_dropped, 3u);
  EXPECT_EQ(s.reconnects, 0u);
  EXPECT_EQ(s.state, source_state::streaming);
}

TEST_F(CameraSourceTest, BadChunkedFramingReconnects) {
  fake_camera::options o;
  o.chunked = true;
  o.garbage_chunk = true;
  fake_camera cam(o);
  auto src = start({"127.0.0.1", cam.port(), ""});
  ASSERT_TRUE(eventually([&] { return src->status().reconnects >= 1; }));
  ASSERT_TRUE(wait_frames(4));
  EXPECT_NE(src->status().last_error.find("chunked"), std::string::npos)
      << src->status().last_error;
}

TEST_F(CameraSourceTest, StopIsPromptAndReleasesTheSocket) {
  fake_camera cam({});
  auto src = start({"127.0.0.1", cam.port(), ""});
  ASSERT_TRUE(wait_frames(3));
  ASSERT_EQ(cam.open_streams(), 1);
  const auto t0 = std::chrono::steady_clock::now();
  src->stop();
  src.reset();
  source_.reset();  // destroyed while its coroutine unwinds
  ASSERT_TRUE(eventually([&] { return cam.open_streams() == 0; }, 1s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 300ms);
  const auto after = frames();
  std::this_thread::sleep_for(100ms);
  EXPECT_LE(frames(), after + 1);
}

TEST_F(CameraSourceTest, StopWhileWaitingToRetry) {
  auto opts = fast_options();
  opts.backoff_initial = 5s;
  opts.backoff_max = 5s;
  auto src = start({"127.0.0.1", unused_port(), ""}, opts);
  ASSERT_TRUE(eventually([&] { return src->status().state == source_state::offline; }));
  const auto t0 = std::chrono::steady_clock::now();
  src->stop();
  src.reset();
  source_.reset();
  work_.reset();
  thread_.join();  // returns only when the coroutine is gone
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  thread_ = std::thread([] {});
}

TEST_F(CameraSourceTest, StopBeforeStartAndTwiceIsHarmless) {
  auto src = std::make_shared<camera_source>(
      ioc_.get_executor(), camera_endpoint{"127.0.0.1", 9, ""}, fast_options(), channel_);
  src->stop();
  src->start();
  src->stop();
  EXPECT_EQ(src->status().state, source_state::offline);
  EXPECT_EQ(src->endpoint().port, 9);
  EXPECT_EQ(to_string(source_state::stale), "stale");
}

// ---------------------------------------------------------------------------------
// probe()

namespace {

probe_result run_probe(std::uint16_t port, std::chrono::milliseconds timeout = 500ms,
                       std::string host = "127.0.0.1") {
  asio::io_context ioc;
  std::optional<probe_result> out;
  asio::co_spawn(ioc, probe(std::move(host), port, timeout),
                 [&](std::exception_ptr, probe_result r) { out = std::move(r); });
  ioc.run();
  return out.value_or(probe_result{});
}

}  // namespace

TEST(Probe, Ok) {
  fake_camera cam({});
  const auto r = run_probe(cam.port());
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.http_status, 200u);
  EXPECT_EQ(r.body, "ESP32 Camera Ready");
}

TEST(Probe, Refused) {
  const auto r = run_probe(unused_port());
  EXPECT_EQ(r.result, probe_result::outcome::refused);
  EXPECT_FALSE(r.error.empty());
}

TEST(Probe, BadResponse) {
  fake_camera::options o;
  o.root_status = 500;
  fake_camera cam(o);
  const auto r = run_probe(cam.port());
  EXPECT_EQ(r.result, probe_result::outcome::bad_response);
  EXPECT_EQ(r.http_status, 500u);
  EXPECT_NE(r.error.find("500"), std::string::npos);
}

TEST(Probe, Timeout) {
  fake_camera::options o;
  o.silent = true;
  fake_camera cam(o);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_probe(cam.port(), 200ms);
  EXPECT_EQ(r.result, probe_result::outcome::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(Probe, UnknownHostIsUnreachable) {
  const auto r = run_probe(80, 2000ms, "no-such-host.invalid");
  EXPECT_TRUE(r.result == probe_result::outcome::unreachable ||
              r.result == probe_result::outcome::timeout)
      << r.error;
  EXPECT_FALSE(r.ok());
}
