#pragma once
#include <chrono>
#include <string>

#include "cameras/camera_registry.hpp"
#include "http/router.hpp"

namespace camgate::cluster {

class camera_leases;

// GET /internal/cameras/{id}/stream?lease=&exp=&sig= : the owner's MJPEG of a camera
// for the other nodes (they relay it to their viewers). Open to the router but signed
// with the cluster secret (node_signature): 401 JSON when the signature is missing,
// wrong or expired; 409 when this node no longer holds that lease (the caller looks
// the owner up again). Not audited: the viewers are audited on their own node.
void add_internal_routes(httpd::router& router, cameras::camera_registry& cameras,
                         const camera_leases& leases, std::string secret,
                         std::chrono::seconds write_timeout);

}  // namespace camgate::cluster
