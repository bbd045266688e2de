#pragma once
#include <chrono>
#include <string>

#include "core/asio.hpp"
#include "doctor/report.hpp"

namespace camgate::doctor {

// How a look for the stream ended, for check_camera's verdict on the stream slot.
struct stream_findings {
  bool found = false;  // a multipart answer with a boundary
  bool busy = false;   // accepted but silent, or 503: someone else holds the slot
  bool got_frame = false;
  std::string busy_where;  // the URL that looked busy
};

// Finds the stream (/stream on the port, then on port + 1, as the gateway's discovery),
// reports its framing, then watches it for `watch` and reports the frame rate and the
// frame sizes. `capture_ok` says whether /capture answered a picture: a silent stream
// next to a working /capture means the single stream slot is taken.
asio::awaitable<stream_findings> check_stream(report& r, const std::string& host,
                                              std::uint16_t port, bool capture_ok,
                                              std::chrono::milliseconds watch,
                                              std::chrono::milliseconds timeout);

}  // namespace camgate::doctor
