#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "analysis/event_hub.hpp"
#include "api/access_gate.hpp"
#include "outputs/output_session.hpp"

namespace camgate::api {

// Sends a camera's or robot's events (analysis/event_hub) to one live output (an SSE
// stream, a WebSocket) from start() until the output closes. The booking policy applies
// as to pictures: the output exists only while the viewer may watch, and is cut with it.
class event_forward {
 public:
  void start(analysis::event_hub& hub, access::resource what,
             const std::shared_ptr<outputs::output_session>& out);
  void stop();  // idempotent; also before start(), which then listens to nothing

 private:
  std::mutex mutex_;
  bool stopped_ = false;
  std::shared_ptr<void> listening_;
};

// An event_forward stopped when `link`'s stream closes.
std::shared_ptr<event_forward> forward_events_until_closed(live_link& link);

// The first event of an event stream: who it is about, the source's state and whether
// analysis runs, so a page can draw its panel before the next event.
std::string hello_event(services& s, access::resource what);

}  // namespace camgate::api
