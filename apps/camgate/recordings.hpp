#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "access/access_index.hpp"
#include "api/services.hpp"
#include "ownership.hpp"
#include "recording/offloader.hpp"
#include "recording/service.hpp"

namespace camgate::webrtc {
class robot_relays;
}  // namespace camgate::webrtc

namespace camgate::app {

// The recorder and its offload hook, wired to the cameras, the robots' relay and the
// bookings. The service goes first (its last recordings still reach the hook).
struct recording_parts {
  std::unique_ptr<recording::offloader> offload;
  std::unique_ptr<recording::service> service;
};

// Builds them, repairs what a crash left, queues unfinished offloads and starts
// recording by policy; sets services.recordings and fetch_recording. Records only what
// `own` says is this node's (all of it on a single gateway).
recording_parts start_recordings(api::services& s, store::recording_repository& rows,
                                 const access::access_index& index,
                                 const std::filesystem::path& data, webrtc::robot_relays* relays,
                                 std::function<bool(std::string_view robot)> robot_online,
                                 const ownership& own);

}  // namespace camgate::app
