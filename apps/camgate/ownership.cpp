#include "ownership.hpp"

#include "cluster/cluster_node.hpp"

namespace camgate::app {

ownership make_ownership(const cluster::cluster_node* node, api::services& s,
                         std::function<bool(std::string_view robot)> robot_online) {
  if (!node) return {};
  ownership o;
  o.owns = [node, &s, robot_online](access::resource what) {
    if (what.kind == access::resource_kind::camera) return node->owns_camera(what.id);
    // A robot's pictures reach the gateway through its relay, on the node its signaling
    // connection is on: that node records and analyses it.
    auto robot = s.robots.get(what.id);
    return robot && robot_online && robot_online(robot->name);
  };
  o.owner = [node](access::resource what) {
    if (what.kind == access::resource_kind::camera) return node->camera_owner(what.id);
    return std::string();  // robots: the node it is connected to
  };
  return o;
}

}  // namespace camgate::app
