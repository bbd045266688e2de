#pragma once
#include <chrono>
#include <string>

#include "core/asio.hpp"
#include "doctor/report.hpp"
#include "doctor/targets.hpp"

namespace camgate::doctor {

struct camera_options {
  std::string text;  // the target as the user wrote it
  camera_target target;
  std::chrono::milliseconds stream_time{5000};  // --seconds: how long fps is measured
  std::chrono::milliseconds timeout{3000};      // each connect, answer and first frame
};

// Walks the seed's troubleshooting list against one camera: DNS, TCP, GET /, /capture,
// the stream (where, framing, the single stream slot, fps and frame sizes), /status.
// Every step is bounded by `timeout` (the fps step by stream_time as well).
asio::awaitable<report> check_camera(camera_options o);

}  // namespace camgate::doctor
