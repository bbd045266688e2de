#include "camsim/server.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <thread>

#include "camsim/stream_format.hpp"
#include "core/jpeg_markers.hpp"
#include "unit/camsim/test_client.hpp"

using namespace camgate;
using namespace camsim_test;
using camsim::server_options;

namespace {

server_options small_fast() {
  server_options o;
  o.port = 0;
  o.width = 320;
  o.height = 240;
  o.fps = 50;
  o.quality = 70;
  return o;
}

// A camsim server on its own io_context thread, stopped and joined on destruction.
class running_server {
 public:
  explicit running_server(server_options o = small_fast()) : server_(io_, std::move(o)) {
    server_.start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~running_server() {
    server_.stop();
    thread_.join();
  }
  camsim::server* operator->() { return &server_; }

  nlohmann::json stats() {
    auto r = http_get(server_.capture_port(), "/camsim/stats");
    return r ? nlohmann::json::parse(r->body) : nlohmann::json{};
  }
  // Polls /camsim/stats until `pred` holds.
  template <typename Pred>
  bool wait_stats(Pred pred, ms timeout = 2000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(stats())) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  asio::io_context io_;
  camsim::server server_;
  std::thread thread_;
};

struct stream_part {
  std::size_t content_length = 0;
  std::string timestamp;  // X-Timestamp value
  std::string jpeg;
  std::span<const std::uint8_t> bytes() const {
    return {reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size()};
  }
  std::uint64_t seq() const { return core::jpeg::scan(bytes()).seq.value_or(0); }
};

const std::regex kPartHeader(
    "Content-Type: image/jpeg\r\nContent-Length: (\\d+)\r\nX-Timestamp: (\\d+\\.\\d{6})\r\n\r\n");

std::optional<stream_part> read_part(test_client& c) {
  const auto boundary = read_chunk(c);
  if (boundary != std::string(camsim::stream_format::kPartBoundary)) return std::nullopt;
  const auto header = read_chunk(c);
  std::smatch m;
  if (!header || !std::regex_match(*header, m, kPartHeader)) return std::nullopt;
  stream_part p;
  p.content_length = std::stoul(m[1]);
  p.timestamp = m[2];
  auto jpeg = read_chunk(c);
  if (!jpeg) return std::nullopt;
  p.jpeg = std::move(*jpeg);
  return p;
}

const std::string kStreamHead =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: multipart/x-mixed-replace;boundary=123456789000000000000987654321\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Access-Control-Allow-Origin: *\r\n"
    "X-Framerate: 50\r\n\r\n";

// Opens /stream and checks the response head.
std::unique_ptr<test_client> open_stream(std::uint16_t port) {
  auto c = std::make_unique<test_client>(port);
  c->get("/stream");
  EXPECT_EQ(c->read_until("\r\n\r\n"), kStreamHead);
  return c;
}

bool is_complete_jpeg(const stream_part& p) {
  return core::jpeg::complete_length(p.bytes()) == p.jpeg.size();
}

// The first entry of the first quantization table: it grows as the JPEG quality drops.
int first_quantizer(const stream_part& p) {
  const auto dqt = p.jpeg.find("\xFF\xDB");
  if (dqt == std::string::npos || dqt + 5 >= p.jpeg.size()) return -1;
  return static_cast<std::uint8_t>(p.jpeg[dqt + 5]);
}

}  // namespace

TEST(CamsimServer, PortZeroPicksTwoConsecutivePorts) {
  running_server s;
  EXPECT_NE(s->capture_port(), 0);
  EXPECT_EQ(s->stream_port(), s->capture_port() + 1);
}

TEST(CamsimServer, BusyPortIsAnError) {
  running_server s;
  auto o = small_fast();
  o.port = s->capture_port();
  asio::io_context io;
  camsim::server other(io, o);
  EXPECT_THROW(other.start(), std::system_error);
}

TEST(CamsimServer, CaptureIsAStampedJpeg) {
  running_server s;
  const auto r = http_get(s->capture_port(), "/capture");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "image/jpeg");
  EXPECT_EQ(r->header("content-disposition"), "inline; filename=capture.jpg");
  EXPECT_EQ(r->header("access-control-allow-origin"), "*");
  EXPECT_TRUE(std::regex_match(r->header("x-timestamp"), std::regex("\\d+\\.\\d{6}")));
  const std::span<const std::uint8_t> jpeg(reinterpret_cast<const std::uint8_t*>(r->body.data()),
                                           r->body.size());
  EXPECT_EQ(core::jpeg::complete_length(jpeg), jpeg.size());
  const auto info = core::jpeg::scan(jpeg);
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.height, 240);
  EXPECT_TRUE(info.seq);
  ASSERT_TRUE(info.capture_us);
  // X-Timestamp and the COM stamp are the same instant.
  char ts[32];
  std::snprintf(ts, sizeof ts, "%lld.%06lld", static_cast<long long>(*info.capture_us / 1000000),
                static_cast<long long>(*info.capture_us % 1000000));
  EXPECT_EQ(r->header("x-timestamp"), ts);
  EXPECT_EQ(s.stats()["capture_requests"], 1);
}

TEST(CamsimServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  running_server s;
  test_client c(s->capture_port());
  for (int i = 0; i < 3; ++i) {
    c.get("/capture");
    const auto r = read_reply(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(s.stats()["capture_requests"], 3);
}

TEST(CamsimServer, IndexStatusAndControlBehaveLikeTheFirmware) {
  running_server s;
  const auto index = http_get(s->capture_port(), "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->header("content-type"), "text/html");
  EXPECT_NE(index->body.find(":" + std::to_string(s->stream_port()) + "/stream"),
            std::string::npos);

  auto status = nlohmann::json::parse(http_get(s->capture_port(), "/status")->body);
  EXPECT_EQ(status["framesize"], 5);  // 320x240
  EXPECT_EQ(status["quality"], 30);   // libjpeg 70

  const auto ok = http_get(s->capture_port(), "/control?var=framesize&val=8");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "");
  EXPECT_EQ(http_get(s->capture_port(), "/control?var=bogus&val=1")->status, 500);
  EXPECT_EQ(http_get(s->capture_port(), "/control?var=framesize&val=99")->status, 500);
  EXPECT_EQ(http_get(s->capture_port(), "/control?var=quality")->status, 404);
  EXPECT_EQ(http_get(s->capture_port(), "/nope")->status, 404);
  status = nlohmann::json::parse(http_get(s->capture_port(), "/status")->body);
  EXPECT_EQ(status["framesize"], 8);

  std::this_thread::sleep_for(40ms);  // older than one frame period: a fresh capture
  const auto r = http_get(s->capture_port(), "/capture");
  const auto info =
      core::jpeg::scan({reinterpret_cast<const std::uint8_t*>(r->body.data()), r->body.size()});
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 480);
}

TEST(CamsimServer, ControlChangesTheFramesOfOpenAndNewStreams) {
  running_server s;
  auto a = open_stream(s->stream_port());
  const auto before = read_part(*a);
  ASSERT_TRUE(before);
  EXPECT_EQ(core::jpeg::scan(before->bytes()).width, 320);
  const int q_before = first_quantizer(*before);
  ASSERT_GT(q_before, 0);

  EXPECT_EQ(http_get(s->capture_port(), "/control?var=framesize&val=8")->status, 200);
  EXPECT_EQ(http_get(s->capture_port(), "/control?var=quality&val=60")->status, 200);
  // The open stream: a frame or two rendered before the change, then the new size.
  std::optional<stream_part> after;
  for (int i = 0; i < 10; ++i) {
    after = read_part(*a);
    ASSERT_TRUE(after);
    if (core::jpeg::scan(after->bytes()).width == 640) break;
  }
  const auto info = core::jpeg::scan(after->bytes());
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 480);
  EXPECT_GT(first_quantizer(*after), q_before);  // libjpeg 40 after 70
  EXPECT_TRUE(is_complete_jpeg(*after));

  // A stream opened afterwards starts with the new settings.
  a->close();
  ASSERT_TRUE(
      s.wait_stats([](const nlohmann::json& st) { return st["active_stream_clients"] == 0; }));
  auto b = open_stream(s->stream_port());
  const auto first = read_part(*b);
  ASSERT_TRUE(first);
  EXPECT_EQ(core::jpeg::scan(first->bytes()).width, 640);
  EXPECT_EQ(core::jpeg::scan(first->bytes()).height, 480);
  EXPECT_EQ(first_quantizer(*first), first_quantizer(*after));
}

TEST(CamsimServer, StreamIsChunkedWithTheFirmwaresBoundaryAndPartHeaders) {
  running_server s;
  auto c = open_stream(s->stream_port());
  // The first bytes after the head: the boundary, as one chunk of 0x24 bytes.
  ASSERT_TRUE(c->fill(42));
  EXPECT_EQ(c->buffer().substr(0, 42), "24\r\n\r\n--123456789000000000000987654321\r\n\r\n");
  std::uint64_t last = 0;
  for (int i = 0; i < 4; ++i) {
    const auto p = read_part(*c);
    ASSERT_TRUE(p) << "part " << i;
    EXPECT_EQ(p->content_length, p->jpeg.size());
    EXPECT_TRUE(is_complete_jpeg(*p));
    const auto info = core::jpeg::scan(p->bytes());
    EXPECT_EQ(info.width, 320);
    ASSERT_TRUE(info.capture_us);
    EXPECT_EQ(p->timestamp,
              std::to_string(*info.capture_us / 1000000) + "." +
                  std::string(6 - std::to_string(*info.capture_us % 1000000).size(), '0') +
                  std::to_string(*info.capture_us % 1000000));
    EXPECT_GT(p->seq(), last);
    last = p->seq();
  }
  const auto st = s.stats();
  EXPECT_EQ(st["active_stream_clients"], 1);
  EXPECT_GE(st["frames_sent"].get<int>(), 4);
  EXPECT_EQ(st["stream_connections_total"], 1);
}

TEST(CamsimServer, StreamRunsAtTheConfiguredRate) {
  running_server s;
  auto c = open_stream(s->stream_port());
  ASSERT_TRUE(read_part(*c));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(read_part(*c));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GT(elapsed, 150ms);  // 10 frames at 50 fps: 200 ms
  EXPECT_LT(elapsed, 600ms);
}

TEST(CamsimServer, CaptureDuringAStreamGetsTheSharedFrame) {
  running_server s;
  auto c = open_stream(s->stream_port());
  const auto first = read_part(*c);
  ASSERT_TRUE(first);
  const auto generated = s.stats()["frames_generated"].get<int>();
  for (int i = 0; i < 5; ++i) {
    const auto r = http_get(s->capture_port(), "/capture");
    const auto seq =
        core::jpeg::scan({reinterpret_cast<const std::uint8_t*>(r->body.data()), r->body.size()})
            .seq.value_or(0);
    EXPECT_GE(seq, first->seq());
    EXPECT_LT(seq, first->seq() + 20);
  }
  // Five captures made no frames of their own: only the ticks did.
  EXPECT_LT(s.stats()["frames_generated"].get<int>() - generated, 15);
}

TEST(CamsimServer, SecondStreamClientWaitsSilentlyUntilTheFirstLeaves) {
  running_server s;
  auto a = open_stream(s->stream_port());
  ASSERT_TRUE(read_part(*a));

  test_client b(s->stream_port());
  b.get("/stream");
  EXPECT_EQ(b.received_within(300ms), 0u);
  EXPECT_TRUE(
      s.wait_stats([](const nlohmann::json& j) { return j["waiting_stream_clients"] == 1; }));
  const auto st = s.stats();
  EXPECT_EQ(st["active_stream_clients"], 1);
  EXPECT_EQ(st["stream_connections_total"], 2);
  ASSERT_TRUE(read_part(*a));  // the first keeps streaming

  a->close();
  EXPECT_EQ(b.read_until("\r\n\r\n"), kStreamHead);
  const auto p = read_part(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(is_complete_jpeg(*p));
  EXPECT_TRUE(s.wait_stats([](const nlohmann::json& j) {
    return j["waiting_stream_clients"] == 0 && j["active_stream_clients"] == 1;
  }));
}

TEST(CamsimServer, WaitingClientThatGoesAwayIsForgotten) {
  running_server s;
  auto a = open_stream(s->stream_port());
  ASSERT_TRUE(read_part(*a));
  {
    test_client b(s->stream_port());
    b.get("/stream");
    EXPECT_TRUE(
        s.wait_stats([](const nlohmann::json& j) { return j["waiting_stream_clients"] == 1; }));
  }
  EXPECT_TRUE(
      s.wait_stats([](const nlohmann::json& j) { return j["waiting_stream_clients"] == 0; }));
  ASSERT_TRUE(read_part(*a));
  a->close();
  EXPECT_TRUE(
      s.wait_stats([](const nlohmann::json& j) { return j["active_stream_clients"] == 0; }));
  // And the slot is free for the next one.
  auto c = open_stream(s->stream_port());
  EXPECT_TRUE(read_part(*c));
}

TEST(CamsimServer, StreamPortServesOnlyTheStream) {
  running_server s;
  EXPECT_EQ(http_get(s->stream_port(), "/capture")->status, 404);
  EXPECT_EQ(http_get(s->capture_port(), "/stream")->status, 404);
}

TEST(CamsimServer, SameStreamPortServesEverythingOnOnePort) {
  auto o = small_fast();
  o.stream_port = server_options::stream_port_mode::same;
  running_server s(o);
  EXPECT_EQ(s->stream_port(), s->capture_port());
  auto c = open_stream(s->capture_port());
  ASSERT_TRUE(read_part(*c));
  EXPECT_EQ(http_get(s->capture_port(), "/capture")->status, 200);
  ASSERT_TRUE(read_part(*c));
}

TEST(CamsimServer, SeedSketchModeHasNoStream) {
  auto o = small_fast();
  o.stream = false;
  running_server s(o);
  EXPECT_EQ(s->stream_port(), 0);
  const auto index = http_get(s->capture_port(), "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->header("content-type"), "text/html");
  EXPECT_EQ(index->body, "ESP32 Camera Ready");
  EXPECT_EQ(http_get(s->capture_port(), "/stream")->status, 404);
  EXPECT_EQ(http_get(s->capture_port(), "/status")->status, 404);
  const auto cap = http_get(s->capture_port(), "/capture");
  EXPECT_EQ(cap->status, 200);
  EXPECT_EQ(cap->header("content-type"), "image/jpeg");
  EXPECT_EQ(cap->header("content-disposition"), "inline; filename=capture.jpg");
  EXPECT_EQ(cap->headers.count("x-timestamp"), 0u);
}

TEST(CamsimServer, StopAfterClosesTheStreamAfterNFrames) {
  auto o = small_fast();
  o.faults.stop_after = 3;
  running_server s(o);
  auto c = open_stream(s->stream_port());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(read_part(*c)) << i;
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(c->buffer(), "");  // nothing after the third frame
  EXPECT_EQ(s.stats()["frames_sent"], 3);
}

TEST(CamsimServer, StallAfterKeepsTheConnectionButSendsNothing) {
  auto o = small_fast();
  o.faults.stall_after = 2;
  running_server s(o);
  auto c = open_stream(s->stream_port());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(read_part(*c)) << i;
  EXPECT_EQ(c->received_within(300ms), 0u);
  EXPECT_FALSE(c->wait_closed(10ms));
  EXPECT_EQ(s.stats()["active_stream_clients"], 1);
  c->close();  // the gateway gives up: the slot must come free
  EXPECT_TRUE(
      s.wait_stats([](const nlohmann::json& j) { return j["active_stream_clients"] == 0; }));
}

TEST(CamsimServer, CorruptEveryBreaksEveryNthFrameWithAMatchingLength) {
  auto o = small_fast();
  o.faults.corrupt_every = 2;
  running_server s(o);
  auto c = open_stream(s->stream_port());
  for (int i = 1; i <= 4; ++i) {
    const auto p = read_part(*c);
    ASSERT_TRUE(p) << i;
    EXPECT_EQ(p->content_length, p->jpeg.size());
    EXPECT_EQ(is_complete_jpeg(*p), i % 2 == 1) << i;
    if (i % 2 == 0) {
      EXPECT_EQ(p->jpeg.find("\xFF\xD9"), std::string::npos);
    }
  }
}

TEST(CamsimServer, CloseMidFrameSendsHalfAFrameThenCloses) {
  auto o = small_fast();
  o.faults.close_mid_frame_after = 2;
  running_server s(o);
  auto c = open_stream(s->stream_port());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(read_part(*c)) << i;
  EXPECT_EQ(read_chunk(*c), std::string(camsim::stream_format::kPartBoundary));
  const auto header = read_chunk(*c);
  std::smatch m;
  ASSERT_TRUE(header && std::regex_match(*header, m, kPartHeader));
  const auto length = std::stoul(m[1]);
  const auto size_line = c->read_until("\r\n");
  ASSERT_TRUE(size_line);
  EXPECT_EQ(std::stoul(*size_line, nullptr, 16), length);  // announces the whole frame
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(c->buffer().size(), length / 2);  // ...delivers half
  EXPECT_EQ(s.stats()["frames_sent"], 2);
}

TEST(CamsimServer, FaultsCanBeSwitchedAtRuntime) {
  running_server s;
  auto c = open_stream(s->stream_port());
  ASSERT_TRUE(read_part(*c));
  EXPECT_EQ(http_get(s->capture_port(), "/control?var=fault&val=explode")->status, 500);
  EXPECT_EQ(http_get(s->capture_port(), "/control?var=fault&val=stop")->status, 200);
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(s.stats()["fault"], "stop-after=0");

  EXPECT_EQ(http_get(s->capture_port(), "/control?var=fault&val=corrupt&n=2")->status, 200);
  c = open_stream(s->stream_port());
  auto p1 = read_part(*c), p2 = read_part(*c);
  ASSERT_TRUE(p1 && p2);
  EXPECT_TRUE(is_complete_jpeg(*p1));
  EXPECT_FALSE(is_complete_jpeg(*p2));

  // set_faults() does the same from C++.
  s->set_faults({});
  EXPECT_TRUE(s.wait_stats([](const nlohmann::json& j) { return j["fault"] == "none"; }));
  for (int i = 0; i < 3; ++i) {
    const auto p = read_part(*c);
    ASSERT_TRUE(p);
    EXPECT_TRUE(is_complete_jpeg(*p));
  }
}

TEST(CamsimServer, StopEndsEveryConnection) {
  auto s = std::make_unique<running_server>();
  auto a = open_stream((*s)->stream_port());
  ASSERT_TRUE(read_part(*a));
  test_client b((*s)->stream_port());
  b.get("/stream");
  test_client idle((*s)->capture_port());
  ASSERT_TRUE(
      s->wait_stats([](const nlohmann::json& j) { return j["waiting_stream_clients"] == 1; }));
  s.reset();  // stop() and join: must not hang on any of the three
  EXPECT_TRUE(a->wait_closed());
  EXPECT_TRUE(b.wait_closed());
  EXPECT_TRUE(idle.wait_closed());
}

TEST(CamsimServer, GarbageAndAbruptDisconnectsDoNotHurt) {
  running_server s;
  {
    test_client c(s->capture_port());
    c.send("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_TRUE(c.wait_closed());
  }
  {
    auto c = open_stream(s->stream_port());
    ASSERT_TRUE(read_part(*c));
  }  // gone mid-stream
  {
    test_client c(s->capture_port());
    c.get("/capture");
  }  // gone before the answer
  EXPECT_TRUE(
      s.wait_stats([](const nlohmann::json& j) { return j["active_stream_clients"] == 0; }));
  EXPECT_EQ(http_get(s->capture_port(), "/capture")->status, 200);
}
