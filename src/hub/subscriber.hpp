#pragma once
#include "core/end_reason.hpp"
#include "core/frame.hpp"

namespace camgate::hub {

// A consumer of one camera's frames (an MJPEG response, a WebSocket, ...).
// Both calls come from the publisher's thread and must return at once: a subscriber
// hands the frame to its own executor and never blocks the camera.
class subscriber {
 public:
  virtual ~subscriber() = default;
  virtual void deliver(const core::frame_ptr& frame) = 0;
  // The stream ends for `why` (the channel's end: camera removed, gateway stopping; or a
  // deadline's: booking ended, token expired), which the viewer is told.
  virtual void end(core::end_reason why) = 0;
};

}  // namespace camgate::hub
