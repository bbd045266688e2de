#pragma once
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "access/access_index.hpp"
#include "analysis/event_hub.hpp"
#include "analysis/service.hpp"
#include "api/services.hpp"
#include "core/asio.hpp"
#include "integrations/mqtt_sink.hpp"
#include "integrations/webhook_sink.hpp"
#include "ownership.hpp"
#include "store/analysis_repository.hpp"

namespace camgate::webrtc {
class robot_relays;
}  // namespace camgate::webrtc

namespace camgate::app {

// Analysis and its events, wired to the cameras, the robots' relay, the viewers and the
// bookings: the event hub, the continuous analysis, and the integrations ([integrations]
// webhooks and MQTT) that take every event.
struct analysis_parts {
  std::unique_ptr<analysis::event_hub> events;
  std::vector<std::shared_ptr<integrations::webhook_sink>> webhooks;
  std::unique_ptr<integrations::mqtt_sink> mqtt;
  std::unique_ptr<analysis::service> service;

  void stop();  // the service first (its last events still go out), then the sinks
};

// Builds and starts them; sets services.events, analysis and analysis_rows. Throws
// std::runtime_error for a default profile naming an analyzer that does not exist.
// Analyses only what `own` says is this node's (all of it on a single gateway).
analysis_parts start_analysis(api::services& s, store::analysis_repository& rows,
                              const access::access_index& index, asio::any_io_executor io,
                              webrtc::robot_relays* relays,
                              std::function<bool(std::string_view robot)> robot_online,
                              const ownership& own);

}  // namespace camgate::app
