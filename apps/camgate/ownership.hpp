#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "access/resource.hpp"
#include "api/services.hpp"

namespace camgate::cluster {
class cluster_node;
}  // namespace camgate::cluster

namespace camgate::app {

// Which cameras and robots this gateway records and analyses. In a cluster, a camera is
// this node's while it holds the camera's lease (it pulls it), a robot while the robot is
// connected here (its relay, its upstream, runs here). Alone, every one is: both
// functions are empty, and the recorder and analysis run exactly as on a single gateway.
struct ownership {
  std::function<bool(access::resource what)> owns;
  std::function<std::string(access::resource what)> owner;  // the node that owns it, or ""
};

// `node` null: a single gateway. Otherwise it must outlive every use of the result.
ownership make_ownership(const cluster::cluster_node* node, api::services& s,
                         std::function<bool(std::string_view robot)> robot_online);

}  // namespace camgate::app
