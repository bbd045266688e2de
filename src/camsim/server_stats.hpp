#pragma once
#include <cstdint>

namespace camgate::camsim {

// What /camsim/stats reports, so a test can check how the gateway uses the camera
// (for instance that it holds exactly one upstream stream connection).
struct server_stats {
  std::uint64_t stream_connections_total = 0;  // /stream requests ever received
  std::uint64_t active_stream_clients = 0;     // 0 or 1: the firmware streams to one
  std::uint64_t waiting_stream_clients = 0;    // accepted, held unanswered
  std::uint64_t frames_sent = 0;               // complete frames written to streams
  std::uint64_t capture_requests = 0;
  std::uint64_t frames_generated = 0;
};

}  // namespace camgate::camsim
