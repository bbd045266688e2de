#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace camgate::access {

enum class resource_kind { camera, robot };

// The names used in the database and the API: "camera", "robot".
std::string_view to_string(resource_kind k);
std::optional<resource_kind> resource_kind_from_string(std::string_view s);

// Something a user can book and watch.
struct resource {
  resource_kind kind = resource_kind::camera;
  std::int64_t id = 0;

  bool operator==(const resource&) const = default;
};

inline resource camera_resource(std::int64_t id) {
  return {resource_kind::camera, id};
}
inline resource robot_resource(std::int64_t id) {
  return {resource_kind::robot, id};
}

}  // namespace camgate::access
