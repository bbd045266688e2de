#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/asio.hpp"
#include "hub/channel.hpp"

namespace camgate::sources {

enum class source_state { connecting, streaming, polling, stale, offline };
std::string_view to_string(source_state s);

// Where a camera is. With `url` empty the camera is found from host and port:
// GET / probe, then /stream on PORT, then /stream on PORT+1, else /capture polling.
// A `url` names the stream (multipart) or capture (single JPEG) resource directly.
struct camera_endpoint {
  std::string host;
  std::uint16_t port = 80;
  std::string url;
};

struct source_options {
  std::chrono::milliseconds connect_timeout{3000};  // TCP connect + response headers
  std::chrono::milliseconds stall_timeout{3000};    // no frame for this long: reconnect
  std::chrono::milliseconds stale_after{1000};      // status shows "stale" after this
  double poll_fps = 5.0;                            // /capture polling rate
  std::size_t max_frame_bytes = 8 * 1024 * 1024;    // bigger parts are skipped
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{1000};
  // Addresses never connected to (the gateway's own); see http_connection.
  std::function<bool(const tcp::endpoint&)> refuse_endpoint;
};

struct source_status {
  source_state state = source_state::connecting;
  std::string mode;                     // "mjpeg" or "capture" once known
  std::string active_url;               // the URL frames come from
  double fps = 0;                       // measured over the last seconds
  std::int64_t last_frame_age_ms = -1;  // -1: no frame yet
  std::uint64_t frames = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t frames_dropped = 0;  // broken or oversize parts skipped
  std::uint64_t reconnects = 0;
  int width = 0;
  int height = 0;
  std::string last_error;
};

// Keeps exactly one upstream connection to one camera and publishes its frames into
// a hub channel, reconnecting with capped exponential backoff and jitter forever
// (also when the very first connection fails) until stop().
class camera_source : public std::enable_shared_from_this<camera_source> {
 public:
  camera_source(asio::any_io_executor ex, camera_endpoint endpoint, source_options options,
                std::shared_ptr<hub::channel> channel);
  ~camera_source();

  void start();
  void stop();  // idempotent; closes the upstream connection
  source_status status() const;
  const camera_endpoint& endpoint() const { return endpoint_; }

 private:
  struct impl;
  camera_endpoint endpoint_;
  std::shared_ptr<impl> impl_;
};

// Result of a one-shot GET / against a camera, for the setup-camera connection test.
struct probe_result {
  enum class outcome { ok, refused, unreachable, timeout, bad_response };
  outcome result = outcome::unreachable;
  unsigned http_status = 0;
  std::string body;  // first bytes of the answer, e.g. "ESP32 Camera Ready"
  std::string error;
  bool ok() const { return result == outcome::ok; }
};

asio::awaitable<probe_result> probe(std::string host, std::uint16_t port,
                                    std::chrono::milliseconds timeout,
                                    std::function<bool(const tcp::endpoint&)> refuse = {});

}  // namespace camgate::sources
