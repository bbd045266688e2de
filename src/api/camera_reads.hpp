#pragma once
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "api/services.hpp"
#include "http/router.hpp"

namespace camgate::api {

using camera_ptr = std::shared_ptr<const cameras::camera>;

// Finds the camera a request is about (from a path parameter, the caller's selection...),
// or gives the answer to send instead (400, 404).
using camera_resolver =
    std::function<std::variant<camera_ptr, httpd::response>(const httpd::request_context& ctx)>;
using camera_handler =
    std::function<asio::awaitable<httpd::response>(httpd::request_context& ctx, camera_ptr cam)>;

// A handler that resolves the camera, then calls `f` with it.
httpd::handler with_camera(camera_resolver resolve, camera_handler f);

// Where one API puts the four reads of a camera.
struct camera_read_paths {
  std::string snapshot;  // GET: one JPEG
  std::string stream;    // GET: MJPEG
  std::string ws;        // GET: WebSocket frames
  std::string analyze;   // POST: the frame analysis
};

// Registers snapshot, stream, ws and analyze at `paths`, served by camera_outputs for the
// camera `resolve` finds: the seed's /streaming API and /api/cameras/{id} read alike.
void register_camera_reads(httpd::router& r, services& s, const camera_read_paths& paths,
                           const camera_resolver& resolve);

}  // namespace camgate::api
