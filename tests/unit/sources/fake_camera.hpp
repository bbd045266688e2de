#pragma once
// An ESP32-like camera on 127.0.0.1 for the camera_source tests, on its own thread:
// GET / (a short page), /stream (multipart, optionally chunked), /capture (one JPEG).
// It checks the one-connection rule: when a /stream request arrives it counts the
// other /stream connections whose client has not closed them yet.
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/asio.hpp"
#include "test_streams.hpp"

namespace camgate::test {

class fake_camera {
 public:
  struct options {
    bool serve_stream = true;
    bool serve_capture = true;
    unsigned root_status = 200;
    bool chunked = false;
    std::size_t chunk_size = 97;  // odd, so chunks cut through everything
    bool content_length = true;
    std::string boundary = "123456789000000000000987654321";
    std::chrono::milliseconds frame_interval{10};
    int frames_per_connection = -1;  // then hold the connection silently (a stall)
    int broken_every = 0;            // every n-th part has no EOI
    bool garbage_chunk = false;      // send one bad chunk size line after two frames
    bool silent = false;             // read requests but never answer
    int close_first = 0;             // accept and at once close that many connections
    int width = 320;
    int height = 240;
  };

  explicit fake_camera(options o, std::uint16_t port = 0)
      : opt_(std::move(o)),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)),
        close_first_(opt_.close_first) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~fake_camera() { stop(); }

  std::uint16_t port() const { return port_; }

  // Closes the listener and every connection, like a camera losing power.
  void stop() {
    if (stopped_.exchange(true)) return;
    std::promise<void> done;
    asio::post(ioc_, [&] {
      error_code ignored;
      acceptor_.close(ignored);
      for (const auto& s : sockets_) s->close(ignored);
      sockets_.clear();
      done.set_value();
    });
    done.get_future().wait();
    ioc_.stop();
    thread_.join();
  }

  int max_concurrent_streams() const { return max_concurrent_.load(); }
  int stream_requests() const { return stream_requests_.load(); }
  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }
  int frames_sent() const { return frames_sent_.load(); }

  // /stream connections whose client has not closed them, as seen right now.
  int open_streams() {
    std::promise<int> result;
    asio::post(ioc_, [&] { result.set_value(count_open_streams(nullptr)); });
    return result.get_future().get();
  }

  bytes jpeg(std::uint32_t n) const { return make_jpeg(opt_.width, opt_.height, 200 + n % 50, n); }

 private:
  using socket_ptr = std::shared_ptr<tcp::socket>;

  static bool peer_open(tcp::socket& s) {
    if (!s.is_open()) return false;
    char c;
    const auto r = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0) return false;                                   // FIN
    if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK;  // else reset
    return true;
  }

  int count_open_streams(const tcp::socket* except) {
    int n = 0;
    for (const auto& weak : streams_) {
      if (auto s = weak.lock(); s && s.get() != except && peer_open(*s)) ++n;
    }
    return n;
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket s =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++connections_;
      if (close_first_ > 0) {
        --close_first_;
        s.close(ec);
        continue;
      }
      auto sp = std::make_shared<tcp::socket>(std::move(s));
      sockets_.insert(sp);
      asio::co_spawn(ioc_, session(sp), asio::detached);
    }
  }

  asio::awaitable<bool> write(const socket_ptr& s, const std::string& text) {
    error_code ec;
    co_await asio::async_write(*s, asio::buffer(text),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  asio::awaitable<void> hold(const socket_ptr& s) {
    // Stay silent until the client goes away (or stop() closes the socket).
    char sink[512];
    error_code ec;
    while (!ec) {
      co_await s->async_read_some(asio::buffer(sink),
                                  asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<void> session(socket_ptr s) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::empty_body> req;
      error_code ec;
      co_await http::async_read(*s, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      ++requests_;
      if (opt_.silent) {
        co_await hold(s);
        break;
      }
      const std::string target(req.target());
      if (target == "/") {
        const std::string body = opt_.root_status == 200 ? "ESP32 Camera Ready" : "Oops";
        if (!co_await write(s, "HTTP/1.1 " + std::to_string(opt_.root_status) +
                                   " X\r\nContent-Type: text/plain\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n" + body)) {
          break;
        }
      } else if (target == "/stream" && opt_.serve_stream) {
        co_await stream(s);
        break;
      } else if (target == "/capture" && opt_.serve_capture) {
        const auto j = jpeg(++seq_);
        ++frames_sent_;
        if (!co_await write(s, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                                   std::to_string(j.size()) + "\r\n\r\n" +
                                   std::string(j.begin(), j.end()))) {
          break;
        }
      } else {
        if (!co_await write(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nNot Found")) {
          break;
        }
      }
      if (!req.keep_alive()) break;
    }
    error_code ignored;
    s->close(ignored);
    sockets_.erase(s);
  }

  asio::awaitable<void> stream(socket_ptr s) {
    ++stream_requests_;
    int others = count_open_streams(s.get());
    if (others + 1 > max_concurrent_) max_concurrent_ = others + 1;
    streams_.push_back(s);

    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=" + opt_.boundary +
        "\r\n";
    if (opt_.chunked) head += "Transfer-Encoding: chunked\r\n";
    head += "Access-Control-Allow-Origin: *\r\n\r\n";
    if (!co_await write(s, head)) co_return;

    asio::steady_timer timer(ioc_);
    for (int i = 0; opt_.frames_per_connection < 0 || i < opt_.frames_per_connection; ++i) {
      auto j = jpeg(++seq_);
      if (opt_.broken_every > 0 && (i + 1) % opt_.broken_every == 0) j.resize(j.size() - 2);
      // ESP32 order: delimiter, headers, JPEG; the next delimiter closes it.
      std::string part = "\r\n--" + opt_.boundary + "\r\nContent-Type: image/jpeg\r\n";
      if (opt_.content_length) part += "Content-Length: " + std::to_string(j.size()) + "\r\n";
      part += "X-Timestamp: " + std::to_string(i) + ".000000\r\n\r\n";
      part.append(j.begin(), j.end());
      if (opt_.chunked) {
        bytes raw(part.begin(), part.end());
        auto encoded = chunk_encode(raw, {opt_.chunk_size});
        encoded.resize(encoded.size() - 5);  // no last chunk: the stream goes on
        part.assign(encoded.begin(), encoded.end());
        if (opt_.garbage_chunk && i == 2) part = "zz\r\n";
      }
      if (!co_await write(s, part)) co_return;
      ++frames_sent_;
      timer.expires_after(opt_.frame_interval);
      error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
    co_await hold(s);
  }

  options opt_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  int close_first_ = 0;
  std::uint32_t seq_ = 0;
  std::set<socket_ptr> sockets_;
  std::vector<std::weak_ptr<tcp::socket>> streams_;
  std::atomic<int> max_concurrent_{0};
  std::atomic<int> stream_requests_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::atomic<int> frames_sent_{0};
};

}  // namespace camgate::test
