#include "access/resource.hpp"

namespace camgate::access {

std::string_view to_string(resource_kind k) {
  switch (k) {
    case resource_kind::camera:
      return "camera";
    case resource_kind::robot:
      return "robot";
  }
  return "camera";
}

std::optional<resource_kind> resource_kind_from_string(std::string_view s) {
  if (s == "camera") return resource_kind::camera;
  if (s == "robot") return resource_kind::robot;
  return std::nullopt;
}

}  // namespace camgate::access
