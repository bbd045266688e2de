// MJPEG parts on plain TCP go out with sendfile from sealed pages ([server] zero_copy):
// the bytes a viewer reads are the same either way, and slow or stalled viewers are
// handled as on the copy path.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <cerrno>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/gateway_fixture.hpp"

using namespace camgate;
using namespace camgate::testing;
using json = nlohmann::json;

namespace {

// Raw bytes of a stream, read by hand: nothing parsed away.
class raw_viewer {
 public:
  raw_viewer(std::uint16_t port, const std::string& target, int receive_buffer = 0)
      : socket_(ioc_) {
    socket_.open(tcp::v4());
    if (receive_buffer) socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(socket_, asio::buffer(req));
    const timeval tick{0, 100 * 1000};  // recv() returns every 100 ms to check the deadline
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
  }
  // Reads until `n` bytes are buffered (true), the peer closes or the deadline (false).
  bool read_until(std::size_t n, std::chrono::seconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (bytes.size() < n && !ended && std::chrono::steady_clock::now() < deadline) {
      char buf[65536];
      const auto got = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
      if (got > 0)
        bytes.append(buf, static_cast<std::size_t>(got));
      else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        ended = true;
    }
    return bytes.size() >= n;
  }
  // Reads until the peer closes; true when it did within `within`.
  bool read_to_end(std::chrono::seconds within) {
    read_until(std::numeric_limits<std::size_t>::max(), within);
    return ended;
  }
  std::string bytes;
  bool ended = false;

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
};

// Checks `raw` (an MJPEG response) part by part against the exact layout camgate sends,
// header rebuilt from the part's own values; returns the number of whole parts.
int exact_parts(const std::string& raw) {
  const auto head_end = raw.find("\r\n\r\n");
  EXPECT_NE(head_end, std::string::npos);
  std::size_t pos = head_end + 4;
  const std::regex part_head(
      "--camgateframe\r\nContent-Type: image/jpeg\r\nContent-Length: (\\d+)\r\n"
      "X-Timestamp: \\d+\\.\\d{6}\r\nX-Frame-Seq: \\d+\r\n\r\n");
  int parts = 0;
  for (;;) {
    const auto end = raw.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    std::smatch m;
    const std::string head = raw.substr(pos, end + 4 - pos);
    if (!std::regex_match(head, m, part_head)) {
      ADD_FAILURE() << "part " << parts << " head: " << head.substr(0, 200);
      return parts;
    }
    const auto len = std::stoul(m[1].str());
    if (raw.size() < end + 4 + len + 2) break;
    const auto jpeg = raw.substr(end + 4, len);
    EXPECT_EQ(jpeg.substr(0, 2), "\xff\xd8") << "part " << parts;
    EXPECT_EQ(jpeg.substr(len - 2), "\xff\xd9") << "part " << parts;
    EXPECT_EQ(raw.substr(end + 4 + len, 2), "\r\n") << "part " << parts;
    pos = end + 4 + len + 2;
    ++parts;
  }
  return parts;
}

// The gateway's descriptors whose target contains `what`.
int descriptors_open(pid_t pid, const std::string& what) {
  int n = 0;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const auto target = std::filesystem::read_symlink(e.path(), ec).string();
    if (target.find(what) != std::string::npos) ++n;
  }
  return n;
}

// The viewer's next message: binary, and a whole JPEG from its first byte to its last
// (nothing of an earlier frame left in front of it).
::testing::AssertionResult next_is_whole_jpeg(ws_client& ws) {
  bool binary = false;
  const auto m = ws.next_message(std::chrono::seconds(5), &binary);
  if (!m) return ::testing::AssertionFailure() << "no message within 5 s";
  if (!binary) return ::testing::AssertionFailure() << "a text message";
  if (m->size() <= 4 || m->substr(0, 2) != "\xff\xd8" || m->substr(m->size() - 2) != "\xff\xd9")
    return ::testing::AssertionFailure() << "not a whole JPEG (" << m->size() << " bytes)";
  return ::testing::AssertionSuccess();
}

// Frame pages (memfd:camgate-frame).
int frame_pages_open(pid_t pid) {
  return descriptors_open(pid, "memfd:camgate-frame");
}

std::string stream_target(gateway& gw, std::int64_t id) {
  return "/api/cameras/" + std::to_string(id) + "/stream?access_token=" + gw.admin_token();
}

}  // namespace

TEST(ZeroCopy, PartsAreTheSameBytesWithAndWithoutIt) {
  camsim cam;
  for (const bool zero_copy : {true, false}) {
    SCOPED_TRACE(zero_copy ? "zero_copy = true" : "zero_copy = false");
    gateway gw{std::string("[server]\nzero_copy = ") + (zero_copy ? "true" : "false") + "\n"};
    const auto id = gw.add_camera(cam.port, gw.admin_token());
    raw_viewer v(gw.port(), stream_target(gw, id));
    ASSERT_TRUE(v.read_until(400 * 1024, std::chrono::seconds(10)));
    EXPECT_EQ(v.bytes.find("HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; "
                           "boundary=camgateframe\r\n"),
              0u);
    EXPECT_GE(exact_parts(v.bytes), 3);
    // The pages exist only on the zero-copy path (one per frame alive, not per viewer).
    if (zero_copy)
      EXPECT_GT(frame_pages_open(gw.pid()), 0);
    else
      EXPECT_EQ(frame_pages_open(gw.pid()), 0);
  }
}

TEST(ZeroCopy, ManyViewersShareTheFramesPages) {
  camsim cam;
  gateway gw{"[limits]\nstreams_per_user = 0\n"};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  std::vector<std::unique_ptr<raw_viewer>> viewers;
  for (int i = 0; i < 20; ++i)
    viewers.push_back(std::make_unique<raw_viewer>(gw.port(), stream_target(gw, id)));
  for (auto& v : viewers) {
    ASSERT_TRUE(v->read_until(300 * 1024, std::chrono::seconds(10)));
    EXPECT_GE(exact_parts(v->bytes), 2);
  }
  // A few frames alive at once (latest, pending, in flight), never one per viewer.
  EXPECT_LT(frame_pages_open(gw.pid()), 20);
  // Each viewer's parts went through its own pipe (tee, then splice): two ends each,
  // plus the frames' pipes (root here, so no pipe-user-pages-soft cap).
  EXPECT_GE(descriptors_open(gw.pid(), "pipe:["), 40);
}

TEST(ZeroCopy, ASlowViewerSkipsAndAStalledOneIsCut) {
  camsim cam;
  gateway gw{"viewer_write_timeout_s = 1\n[limits]\nstreams_per_user = 0\n"};  // [cameras] first
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  // Never reads, with a small window: its part cannot drain, the write timeout ends it.
  raw_viewer stalled(gw.port(), stream_target(gw, id), 16 * 1024);
  raw_viewer fast(gw.port(), stream_target(gw, id));
  ASSERT_TRUE(fast.read_until(200 * 1024, std::chrono::seconds(10)));
  // Three seconds of reading the fast one; the stalled one's write times out meanwhile.
  fast.read_until(std::numeric_limits<std::size_t>::max(), std::chrono::seconds(3));
  ASSERT_FALSE(fast.ended);
  EXPECT_TRUE(stalled.read_to_end(std::chrono::seconds(5))) << "the stalled viewer was not cut";
  // The fast viewer kept going meanwhile, whole parts only.
  const auto before = fast.bytes.size();
  ASSERT_TRUE(fast.read_until(before + 300 * 1024, std::chrono::seconds(5)));
  EXPECT_GE(exact_parts(fast.bytes), 5);
  auto camera = json::parse(gw.get("/api/cameras/" + std::to_string(id), gw.admin_token()).body);
  EXPECT_GT(camera.at("camera").at("frames_skipped").get<std::uint64_t>(), 0u) << camera.dump();
  EXPECT_GT(camera.at("camera").at("bytes_out").get<std::uint64_t>(), before) << camera.dump();
}

TEST(ZeroCopy, BinaryWebSocketMessagesAreWholeJpegsWithAndWithoutIt) {
  camsim cam;
  for (const bool zero_copy : {true, false}) {
    SCOPED_TRACE(zero_copy ? "zero_copy = true" : "zero_copy = false");
    gateway gw{std::string("[server]\nzero_copy = ") + (zero_copy ? "true" : "false") + "\n"};
    const auto id = gw.add_camera(cam.port, gw.admin_token());
    ws_client ws(gw.port(), "/api/cameras/" + std::to_string(id) +
                                "/ws?format=binary&access_token=" + gw.admin_token());
    ASSERT_TRUE(ws.handshake_ok());
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(next_is_whole_jpeg(ws));
      // The viewer may talk; the server's reads (and Beast's replies) go on alongside.
      if (i == 5) EXPECT_TRUE(ws.send("hello"));
    }
    if (zero_copy)
      EXPECT_GT(frame_pages_open(gw.pid()), 0);
    else
      EXPECT_EQ(frame_pages_open(gw.pid()), 0);
    // The close frame after zero-copy messages arrives whole: Beast serializes it.
    ASSERT_EQ(gw.del("/api/cameras/" + std::to_string(id), gw.admin_token()).status, 200u);
    for (int i = 0; i < 100 && ws.next_message(std::chrono::milliseconds(100)); ++i) {
    }
    EXPECT_TRUE(ws.closed());
    EXPECT_EQ(ws.close_reason().code, 4004);
    EXPECT_EQ(ws.close_reason().reason, "camera removed");
  }
}

TEST(ZeroCopy, BinaryWebSocketViewersGetTheirFramesThroughTheirOwnPipes) {
  camsim cam;
  gateway gw{"[limits]\nstreams_per_user = 0\n"};
  const auto id = gw.add_camera(cam.port, gw.admin_token());
  const auto target =
      "/api/cameras/" + std::to_string(id) + "/ws?format=binary&access_token=" + gw.admin_token();
  std::vector<std::unique_ptr<ws_client>> viewers;
  for (int i = 0; i < 10; ++i) {
    viewers.push_back(std::make_unique<ws_client>(gw.port(), target));
    ASSERT_TRUE(viewers.back()->handshake_ok());
  }
  for (int round = 0; round < 5; ++round) {
    for (auto& ws : viewers) ASSERT_TRUE(next_is_whole_jpeg(*ws));
  }
  // tee then splice, as MJPEG: two ends per viewer (root here, so no pipe-user-pages-soft
  // cap), plus the frames' own pipes.
  EXPECT_GE(descriptors_open(gw.pid(), "pipe:["), 20);
}
