#pragma once
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "api/picture_target.hpp"
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

// Finds the pictures a request reads (a camera's, a robot's), or the answer to send instead.
using target_resolver =
    std::function<std::variant<picture_target, httpd::response>(const httpd::request_context& ctx)>;

// A camera's pictures as the reads see them.
picture_target camera_target(const services& s, const cameras::camera& cam);

// Where one API puts the four reads of a camera or robot.
struct camera_read_paths {
  std::string snapshot;  // GET: one JPEG
  std::string stream;    // GET: MJPEG
  std::string ws;        // GET: WebSocket frames
  std::string analyze;   // POST: the frame analysis
  std::string events;    // GET: Server-Sent Events (analysis, alerts, camera state)
  // Whether the WebSocket carries events between frames unless ?events=0|1 says: not on
  // the seed's path, whose clients take every message for a picture.
  bool ws_events = true;
};

// Registers snapshot, stream, ws and analyze at `paths`, served by picture_outputs for the
// pictures `resolve` finds: the seed's /streaming API, /api/cameras/{id} and
// /api/robots/{id} read alike.
void register_picture_reads(httpd::router& r, services& s, const camera_read_paths& paths,
                            target_resolver resolve);
// The same for the camera `resolve` finds.
void register_camera_reads(httpd::router& r, services& s, const camera_read_paths& paths,
                           const camera_resolver& resolve);

}  // namespace camgate::api
