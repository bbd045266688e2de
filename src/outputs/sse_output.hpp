#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "http/connection.hpp"
#include "outputs/output_session.hpp"

namespace camgate::outputs {

struct sse_options {
  std::chrono::seconds write_timeout{10};
  std::chrono::seconds keepalive{15};  // a comment line this often keeps proxies from closing
  std::size_t max_queued = 256;        // events waiting for a slow client; the oldest go first
  output_session::closed_handler on_closed;
};

// Answers the request with a text/event-stream (Server-Sent Events): every notify(text)
// is one event, `data: <text>`, in order. Events are JSON whose "type" names them, so a
// browser's EventSource reads them all in onmessage. A client that cannot keep up loses
// the oldest waiting events, counted in a "dropped" field of the next one sent. end()
// sends what waits, then closes. Frames (deliver) are ignored: this stream carries events.
std::shared_ptr<output_session> start_sse(httpd::connection&& c, sse_options options);

}  // namespace camgate::outputs
