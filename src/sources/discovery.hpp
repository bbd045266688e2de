#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sources/camera_url.hpp"

namespace camgate::sources {

// Where a camera given by host and port keeps its pictures, in the order discovery
// tries them: /stream on PORT (a generic MJPEG camera, camsim's same-port mode),
// /stream on PORT+1 (the stock CameraWebServer firmware's stream server), then /capture
// on PORT (single pictures, polled: the seed's sketch). camera_source and
// `camgate doctor` walk the same list.
std::vector<camera_url> discovery_candidates(const std::string& host, std::uint16_t port);

}  // namespace camgate::sources
