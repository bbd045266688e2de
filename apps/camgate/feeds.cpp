#include "feeds.hpp"

#ifdef CAMGATE_WITH_WEBRTC
#include "webrtc/robot_relays.hpp"
#endif

namespace camgate::app {

feed_opener::feed_opener(api::services& s, webrtc::robot_relays* relays,
                         std::function<bool(std::string_view robot)> robot_online)
    : s_(s), relays_(relays), robot_online_(std::move(robot_online)) {}

std::vector<access::resource> feed_opener::resources() const {
  std::vector<access::resource> all;
  for (const auto& c : s_.cameras.list()) all.push_back(access::camera_resource(c->record.id));
  if (relays_)
    for (const auto& r : s_.robots.list()) all.push_back(access::robot_resource(r.id));
  return all;
}

std::optional<hub::feed> feed_opener::operator()(access::resource what, std::string& why) const {
  if (what.kind == access::resource_kind::camera) {
    auto cam = s_.cameras.get(what.id);
    if (!cam) {
      why = "no camera " + std::to_string(what.id);
      return std::nullopt;
    }
    return hub::feed{cam->channel, nullptr};
  }
  auto robot = s_.robots.get(what.id);
  if (!robot || !relays_) {
    why = relays_ ? "no robot " + std::to_string(what.id)
                  : "robots' pictures reach the gateway only with [robots] media = \"relay\"";
    return std::nullopt;
  }
  if (robot_online_ && !robot_online_(robot->name)) {
    why = "robot " + std::to_string(what.id) + " is not connected";
    return std::nullopt;
  }
#ifdef CAMGATE_WITH_WEBRTC
  // The lease keeps its upstream open and its pictures decoded while it is held.
  return hub::feed{relays_->watch_channel(robot->name), relays_->watch_pictures(robot->name)};
#else
  why = "robots' pictures need a build with GStreamer";
  return std::nullopt;
#endif
}

}  // namespace camgate::app
