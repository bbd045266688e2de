#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "access/resource.hpp"
#include "api/services.hpp"
#include "hub/feed.hpp"

namespace camgate::webrtc {
class robot_relays;
}  // namespace camgate::webrtc

namespace camgate::app {

// Opens the pictures of a camera or robot for a consumer that is not a viewer (the
// recorder, analysis): a camera's channel; a robot's relayed pictures with the lease that
// keeps them decoded. nullopt and why when there are none (no such camera, robot offline,
// robots not relayed).
class feed_opener {
 public:
  feed_opener(api::services& s, webrtc::robot_relays* relays,
              std::function<bool(std::string_view robot)> robot_online);

  std::optional<hub::feed> operator()(access::resource what, std::string& why) const;
  // Every camera, and every robot when robots are relayed.
  std::vector<access::resource> resources() const;

 private:
  api::services& s_;
  webrtc::robot_relays* relays_;
  std::function<bool(std::string_view robot)> robot_online_;
};

}  // namespace camgate::app
