#include "api/picture_target.hpp"

namespace camgate::api {

std::string picture_target::file_stem() const {
  return std::string(access::to_string(resource.kind)) + "-" + std::to_string(resource.id);
}

}  // namespace camgate::api
