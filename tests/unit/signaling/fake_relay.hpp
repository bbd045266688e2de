#pragma once
// A relay_port ([robots] media = "relay") that records what the hub asked of it, for the
// hub's tests on one node and across nodes.
#include <string>
#include <string_view>
#include <vector>

#include "signaling/hub.hpp"

namespace camgate::signaling::testing {

struct fake_relay : relay_port {
  std::vector<std::string> calls;  // "viewer <robot> <viewer> <type>", "left <robot> <viewer>", ...
  void viewer_message(const std::string& robot, const std::string& viewer, std::string_view type,
                      const nlohmann::json&) override {
    calls.push_back("viewer " + robot + " " + viewer + " " + std::string(type));
  }
  void viewer_left(const std::string& robot, const std::string& viewer) override {
    calls.push_back("left " + robot + " " + viewer);
  }
  void robot_message(const std::string& robot, std::string_view type,
                     const nlohmann::json&) override {
    calls.push_back("robot " + robot + " " + std::string(type));
  }
  void robot_online(const std::string& robot) override { calls.push_back("online " + robot); }
};

}  // namespace camgate::signaling::testing
