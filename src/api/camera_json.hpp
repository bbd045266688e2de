#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "cameras/camera_registry.hpp"

namespace camgate::api {

// "http://host:port" as the seed reports a camera (or the configured URL's origin).
std::string camera_base_url(const store::camera_record& r);

// The REST representation of a camera: record, live status and the gateway's URLs.
// Without `upstream` (non-admins) the camera's address and last error are left out:
// they map the network behind the gateway.
nlohmann::json camera_json(const cameras::camera& cam, bool upstream);

}  // namespace camgate::api
