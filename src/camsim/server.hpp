#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "camsim/fault_settings.hpp"
#include "camsim/frame_generator.hpp"
#include "camsim/notifier.hpp"
#include "camsim/sensor_settings.hpp"
#include "camsim/server_options.hpp"
#include "camsim/server_stats.hpp"
#include "camsim/stream_gate.hpp"
#include "core/asio.hpp"
#include "core/frame.hpp"

namespace camgate::camsim {

// A simulated ESP32-CAM: the HTTP endpoints of the seed sketch or of the stock
// CameraWebServer firmware, fed by one frame generator ticking at the configured rate
// while a stream client watches.
//
//   asio::io_context io;
//   camsim::server cam(io, opts);
//   cam.start();                       // binds; capture_port()/stream_port() now valid
//   std::thread t([&] { io.run(); });  // io.run() returns after cam.stop()
//
// All networking runs on `io` (one thread is enough, and the state assumes a single
// thread runs it); JPEG encoding runs on a private render thread.
class server {
 public:
  server(asio::io_context& io, server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds the listeners (port 0: two consecutive free ports in `next` mode) and starts
  // serving. Throws std::system_error when the ports cannot be bound.
  void start();

  // Closes the listeners and every connection, so io.run() returns. Thread-safe.
  // Destroy the server only after that, while `io` is still alive.
  void stop();

  std::uint16_t capture_port() const { return capture_port_; }
  // 0 without a stream; equal to capture_port() with stream_port_mode::same.
  std::uint16_t stream_port() const { return stream_port_; }

  // Thread-safe snapshot.
  server_stats stats() const;

  // Replaces the fault switches, as /control?var=fault does. Thread-safe.
  void set_faults(const fault_settings& faults);

 private:
  struct connection;
  using connection_ptr = std::shared_ptr<connection>;
  using request = http::request<http::empty_body>;
  using response = http::response<http::string_body>;
  enum class listener_kind { main, stream };

  void bind_listeners();
  void do_stop();
  void apply_faults(const fault_settings& faults);
  void sync_gate_stats();

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, listener_kind kind);
  asio::awaitable<void> serve_http(connection_ptr c, listener_kind kind);
  asio::awaitable<response> route(const request& req, listener_kind kind);
  asio::awaitable<void> serve_stream(connection_ptr c);
  asio::awaitable<void> watch_for_close(connection_ptr c);
  asio::awaitable<void> run_generator();
  asio::awaitable<core::frame_ptr> render_next();
  asio::awaitable<core::frame_ptr> frame_for_capture();

  response capture_response(const request& req, const core::frame_ptr& f) const;
  response control_response(const request& req, std::string_view query);
  std::string index_html() const;
  std::string stats_json() const;

  asio::io_context& io_;
  server_options options_;
  std::int64_t period_us_;
  sensor_settings sensor_;
  frame_generator generator_;
  asio::thread_pool render_pool_{1};  // one thread: frame_generator is used serially
  tcp::acceptor main_acceptor_;
  tcp::acceptor stream_acceptor_;
  std::uint16_t capture_port_ = 0;
  std::uint16_t stream_port_ = 0;

  // State below is touched on the io_context thread only.
  notifier changed_;  // new frame, gate change, fault change, disconnect, stop
  asio::steady_timer tick_timer_;
  stream_gate gate_;
  fault_settings faults_;
  std::uint64_t fault_epoch_ = 0;  // bumped on each change: per-connection counts restart
  core::frame_ptr latest_;
  std::int64_t latest_steady_us_ = 0;
  std::uint64_t next_seq_ = 1;
  bool generating_ = false;
  bool stopping_ = false;
  std::uint64_t next_connection_id_ = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> connections_;

  std::atomic<std::uint64_t> stream_connections_total_{0};
  std::atomic<std::uint64_t> active_stream_clients_{0};
  std::atomic<std::uint64_t> waiting_stream_clients_{0};
  std::atomic<std::uint64_t> frames_sent_{0};
  std::atomic<std::uint64_t> capture_requests_{0};
  std::atomic<std::uint64_t> frames_generated_{0};
};

}  // namespace camgate::camsim
