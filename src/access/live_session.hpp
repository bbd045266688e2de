#pragma once
#include <cstdint>

#include "access/end_reason.hpp"

namespace camgate::access {

// One live subscription (MJPEG response, WebSocket, WebRTC peer, signaling room...) as
// the session_registry sees it. Both calls come from the registry's thread, never while
// it holds its lock, and must return at once: post the work to the session's own strand.
// cut() may call session_registry::remove() (it then returns false: already removed).
struct live_session {
  virtual ~live_session();
  // The stream will be cut at `ends_at_s` (unix seconds) unless the booking is extended.
  virtual void warn(std::int64_t ends_at_s) = 0;
  // End the stream now, telling the viewer why.
  virtual void cut(end_reason r) = 0;
};

}  // namespace camgate::access
