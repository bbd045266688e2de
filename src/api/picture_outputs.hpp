#pragma once
#include <memory>

#include "api/access_gate.hpp"
#include "api/picture_target.hpp"
#include "api/services.hpp"
#include "http/request_context.hpp"
#include "http/response.hpp"

namespace camgate::api {

// The four ways to read a camera's or robot's pictures, shared by the seed's /streaming
// API, /api/cameras and /api/robots so all behave the same.
// Each checks the access policy first (403 when the caller holds no booking now);
// the streams are registered with the session registry, which ends them on time.
asio::awaitable<httpd::response> snapshot_response(services& s, const httpd::request_context& ctx,
                                                   picture_target t);
httpd::response mjpeg_response(services& s, const httpd::request_context& ctx, picture_target t);
// Carries the camera's events between frames (api/event_forward) unless ?events=0.
httpd::response websocket_response(services& s, const httpd::request_context& ctx,
                                   picture_target t);
// The seed's /streaming/ws-stream: pictures only unless ?events=1 (its clients take every
// message for a picture).
httpd::response seed_websocket_response(services& s, const httpd::request_context& ctx,
                                        picture_target t);
// Server-Sent Events: analysis results, alerts and camera state changes, live.
httpd::response events_response(services& s, const httpd::request_context& ctx, picture_target t);
// The seed's analyze-stream answer, plus picture-quality measures; with ?analyzer=NAME
// also that analyzer's result under "analysis" (api/analyzer_call).
asio::awaitable<httpd::response> analysis_response(services& s, const httpd::request_context& ctx,
                                                   picture_target t);

// Takes one of the caller's concurrent stream slots ([limits] streams_per_user) for the
// stream `link` will report closed: the slot is free again the moment it closes. The
// answer refuses the stream (429).
std::optional<httpd::response> hold_stream_slot(services& s, const httpd::request_context& ctx,
                                                live_link& link);

}  // namespace camgate::api
