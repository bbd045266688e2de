#pragma once
#include "api/camera_reads.hpp"
#include "api/services.hpp"
#include "http/router.hpp"

namespace camgate::api {

// WHEP (draft-ietf-wish-whep) for cameras and robots: POST /api/cameras/{id}/whep (or
// /api/robots/{id}/whep, through the robot's relay) with an SDP offer
// answers 201 with the SDP answer and the session's Location; PATCH on the session adds
// trickled ICE candidates; DELETE ends it; OPTIONS tells what POST accepts. The booking
// policy, the stream slots, the audit and the cuts apply as on every stream.
void register_whep_routes(httpd::router& r, services& s, const camera_resolver& by_id);

}  // namespace camgate::api
