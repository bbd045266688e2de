// The Socket.IO WebSocket over a direct socket (ws_channel over direct_stream) against a
// real Beast client on 127.0.0.1, with both socket buffers shrunk to 4 KiB so that the
// channel's frames fill the socket: they must still arrive whole and in order, with
// Beast's pongs between them, and a peer that does not read is dropped with 1008.
#include "signaling/ws_channel.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

using namespace camgate;
using namespace camgate::signaling;

namespace {

std::string message(int i) {
  // 8 KiB, different in every message: a frame cut or reordered shows.
  std::string m = "42[\"ice-candidate\",{\"n\":" + std::to_string(i) + ",\"pad\":\"";
  m.append(8 * 1024, static_cast<char>('a' + i % 26));
  return m + "\"}]";
}

// A gateway side (one channel on its own one-thread context) and a blocking client.
struct pair_of_ends {
  asio::io_context server_ctx;
  std::shared_ptr<ws_channel> channel;
  std::promise<void> opened;
  std::promise<std::string> closed;
  asio::io_context client_ctx;
  websocket::stream<tcp::socket> client{client_ctx};
  std::thread server_thread;
  // Shuts the client's socket down if a test hangs, so a read returns instead.
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog;

  explicit pair_of_ends(ws_channel_options options) {
    tcp::acceptor acceptor(server_ctx, {asio::ip::make_address("127.0.0.1"), 0});
    auto& raw = client.next_layer();
    raw.open(tcp::v4());
    raw.set_option(asio::socket_base::receive_buffer_size(4096));
    raw.connect(acceptor.local_endpoint());
    direct_socket server_socket(server_ctx.get_executor());
    acceptor.accept(server_socket);
    server_socket.set_option(asio::socket_base::send_buffer_size(4096));
    auto handshake = std::async(std::launch::async, [this] { client.handshake("127.0.0.1", "/"); });
    beast::flat_buffer buffer;
    httpd::request req;
    http::read(server_socket, buffer, req);
    ws_channel_handlers h;
    h.on_open = [this] { opened.set_value(); };
    h.on_closed = [this](std::string_view why) { closed.set_value(std::string(why)); };
    channel = make_ws_channel(std::move(server_socket), std::move(req), options, std::move(h));
    channel->start();
    server_thread = std::thread([this] { server_ctx.run(); });
    handshake.get();
    opened.get_future().wait();  // the server's side of the handshake is done too
    watchdog = std::thread([this] {
      std::unique_lock lock(m);
      if (!cv.wait_for(lock, std::chrono::seconds(20), [this] { return done; })) {
        error_code ec;
        client.next_layer().shutdown(tcp::socket::shutdown_both, ec);
      }
    });
  }

  // Queues `count` messages at once on the channel's thread.
  void send_all(int count) {
    asio::post(channel->executor(), [this, count] {
      for (int i = 0; i < count; ++i) channel->send_now(message(i));
    });
  }

  ~pair_of_ends() {
    {
      std::lock_guard lock(m);
      done = true;
    }
    cv.notify_all();
    watchdog.join();
    error_code ec;
    client.next_layer().close(ec);
    asio::post(server_ctx, [this] {
      channel->close(1000, "bye");
      channel.reset();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server_ctx.stop();
    server_thread.join();
  }
};

}  // namespace

TEST(SignalingWsChannel, FramesThatFillTheSocketArriveWholeAndInOrderWithPongsBetween) {
  ws_channel_options options;
  options.max_queued_bytes = 4 * 1024 * 1024;
  pair_of_ends ends(options);
  int pongs = 0;
  ends.client.control_callback([&](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong && payload == "p") ++pongs;
  });
  constexpr int count = 200;  // 1.6 MB against 8 KiB of socket buffers
  ends.send_all(count);
  // Pings while the channel's frames wait for room: the pongs go between frames.
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    ends.client.ping("p");
  }
  beast::flat_buffer buffer;
  for (int i = 0; i < count; ++i) {
    ends.client.read(buffer);
    ASSERT_TRUE(ends.client.got_text());
    ASSERT_EQ(beast::buffers_to_string(buffer.data()), message(i)) << "message " << i;
    buffer.consume(buffer.size());
  }
  // Beast answers the next ping only once its last pong is out, and a pong waits for the
  // channel's frames: the last pongs may come after the last message. Collect them.
  for (int i = 0; i < 100 && pongs < 5; ++i) {
    ends.send_all(1);
    ends.client.read(buffer);
    buffer.consume(buffer.size());
  }
  EXPECT_EQ(pongs, 5);
}

TEST(SignalingWsChannel, APeerThatDoesNotReadIsDroppedWith1008AfterWholeFrames) {
  ws_channel_options options;
  options.max_queued_bytes = 64 * 1024;
  pair_of_ends ends(options);
  ends.send_all(100);  // 800 KB: more than the socket and the queue hold
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  beast::flat_buffer buffer;
  int got = 0;
  error_code ec;
  for (;;) {
    ends.client.read(buffer, ec);
    if (ec) break;
    ASSERT_EQ(beast::buffers_to_string(buffer.data()), message(got)) << "message " << got;
    buffer.consume(buffer.size());
    ++got;
  }
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ends.client.reason().code, 1008);
  EXPECT_EQ(ends.client.reason().reason, "too slow");
  EXPECT_GT(got, 0);
  EXPECT_LT(got, 100);
}

TEST(SignalingWsChannel, APeerThatResetsWhileFramesGoOutIsClosedOnce) {
  pair_of_ends ends(ws_channel_options{});
  // A reset (linger 0) while the channel writes: the write fails, the channel closes.
  auto& raw = ends.client.next_layer();
  raw.set_option(asio::socket_base::linger(true, 0));
  ends.send_all(50);
  error_code ec;
  raw.close(ec);
  ends.send_all(50);
  auto closed = ends.closed.get_future();
  ASSERT_EQ(closed.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(closed.get(), "disconnected");
}
