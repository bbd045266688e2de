#pragma once
#include <string_view>

#include "core/frame.hpp"

namespace camgate::hub {

// A consumer of one camera's frames (an MJPEG response, a WebSocket, ...).
// Both calls come from the publisher's thread and must return at once: a subscriber
// hands the frame to its own executor and never blocks the camera.
class subscriber {
 public:
  virtual ~subscriber() = default;
  virtual void deliver(const core::frame_ptr& frame) = 0;
  // The channel ends (camera removed, gateway stopping); `reason` is for the viewer.
  virtual void end(std::string_view reason) = 0;
};

}  // namespace camgate::hub
