#pragma once
#include "core/asio.hpp"
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

  // The io_context this subscriber's handlers run on, when one thread alone runs it (each
  // of core::io_pool's): the channel then posts one task per thread per frame, which
  // calls deliver_here() on that thread for each of its subscribers, instead of one post
  // per subscriber (15,000 a second at 500 viewers). nullptr: deliver() from the publisher.
  virtual asio::io_context* home() const { return nullptr; }
  // On home()'s thread, outside the subscriber's strand (the same thread runs both).
  virtual void deliver_here(const core::frame_ptr& frame) { deliver(frame); }
};

}  // namespace camgate::hub
