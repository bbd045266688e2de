#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "access/resource.hpp"

namespace camgate::analysis {

// Something the gateway tells about a camera or a robot:
//   "analysis"      one pass of a profile's analyzers over one picture;
//   "alert"         a condition began or ended (motion, frozen, black, exposure);
//   "camera-state"  a camera went offline or stale, or came back.
// `body` is the JSON sent as is to every listener (SSE data, WebSocket text, webhook body,
// MQTT payload). It always holds "type", "at_us" and "camera_id" or "robot_id".
struct event {
  std::string type;
  access::resource resource;
  std::int64_t at_us = 0;  // the gateway's clock, unix microseconds
  nlohmann::json body;

  std::string text() const { return body.dump(); }
};
using event_ptr = std::shared_ptr<const event>;

// Where events go. deliver() is called from the publisher's thread and must return at
// once (queue, post); it never throws.
class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void deliver(const event_ptr& e) = 0;
};

}  // namespace camgate::analysis
