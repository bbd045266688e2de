#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/asio.hpp"
#include "sources/camera_source.hpp"
#include "sources/http_connection.hpp"

namespace camgate::sources {

// Why a camera's settings could not be read or changed.
enum class control_error {
  unreachable,  // no answer at all (connect failed, timed out, the gateway itself)
  no_control,   // it answers, but has no /status or /control (the seed's sketch)
  rejected,     // /control answered with an error (the firmware's 500 for a bad value)
};

struct control_failure {
  control_error kind = control_error::unreachable;
  std::string message;  // what happened, for logs and the error text
};

// A camera's /status: its sensor settings and the port they came from.
struct camera_status {
  nlohmann::json settings;  // the firmware's /status object as it sent it
  std::uint16_t control_port = 0;
};

// The stock CameraWebServer firmware's settings API, /status and /control?var=&val=, on
// its control port: the camera's own port when that serves /status; for a stream on
// port 81 (or given by URL), the port below it (the firmware's 80), tried first. Each
// request is one short connection on the caller's executor; one object per API request.
//
//   camera_control ctl(endpoint, 3s, guard);
//   auto st = co_await ctl.read_status();
//   if (auto err = co_await ctl.set_control("quality", 12)) ...
class camera_control {
 public:
  camera_control(camera_endpoint endpoint, std::chrono::milliseconds timeout,
                 http_connection::endpoint_guard guard = {});

  // The ports tried for /status, in order.
  const std::vector<std::uint16_t>& candidate_ports() const { return ports_; }
  const std::string& host() const { return host_; }

  // Finds the control port (the first candidate answering 200 with a JSON object) on the
  // first call, then reads /status there.
  asio::awaitable<std::variant<camera_status, control_failure>> read_status();

  // GET /control?var=<var>&val=<val>; finds the control port first if needed. `var` must
  // be a plain name (sensor_controls()). nullopt on the firmware's 200.
  asio::awaitable<std::optional<control_failure>> set_control(std::string_view var, int val);

 private:
  struct answer {
    std::optional<control_failure> failed;  // no HTTP answer
    unsigned status = 0;
    std::string body;
  };
  asio::awaitable<answer> get(std::uint16_t port, std::string target);
  std::string url(std::uint16_t port, std::string_view target) const;

  std::string host_;
  std::vector<std::uint16_t> ports_;
  std::chrono::milliseconds timeout_;
  http_connection::endpoint_guard guard_;
  std::uint16_t control_port_ = 0;  // 0 until found
};

}  // namespace camgate::sources
