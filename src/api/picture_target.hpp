#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "access/resource.hpp"
#include "hub/channel.hpp"

namespace camgate::api {

using access::camera_resource;
using access::robot_resource;

// What the four reads (snapshot, MJPEG, WebSocket, analysis) read: the hub channel of a
// camera, or of a robot whose stream the gateway decodes (webrtc::robot_relays), and
// what to say when it has no picture.
struct picture_target {
  access::resource resource;
  std::string label;  // "camera 3", "robot 2": in errors; "camera-3" in file names
  std::shared_ptr<hub::channel> channel;
  // How long a snapshot waits for a fresh picture (a robot's upstream may be cold).
  std::chrono::milliseconds wait{2000};
  // Why no picture can come (502), or nullopt when the source is up but slow (504).
  std::function<std::optional<std::string>()> unreachable;
  // The analysis answer's fields about the source: camera_url and camera_id, or robot_id.
  nlohmann::json about = nlohmann::json::object();
  // Taken once the caller is allowed: a robot's pictures keep coming while the read
  // holds what it returns. Empty for cameras, whose pictures always come.
  std::function<std::shared_ptr<void>()> demand;

  std::string file_stem() const;  // "camera-3"
};

}  // namespace camgate::api
