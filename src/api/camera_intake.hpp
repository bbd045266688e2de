#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "api/camera_reads.hpp"
#include "api/services.hpp"
#include "http/request_context.hpp"
#include "http/response.hpp"

namespace camgate::api {

// How POST /api/cameras and the seed's POST /streaming/setup-camera take a camera in:
// the one strict parse of the address, then who may add it, then one camera per device.

// A camera's address after the strict parse (sources/camera_url): canonical host.
struct camera_address {
  std::string host;
  std::uint16_t port = 80;
  std::string url;  // canonical http:// URL when one was given, else empty
};

// From a "url" field (400 for anything the strict parser refuses, https included).
std::variant<camera_address, httpd::response> address_from_url(const std::string& url);
// From an "ip_address" / "host" field and a port already range-checked.
std::variant<camera_address, httpd::response> address_from_host(const std::string& host,
                                                                std::uint16_t port);

// What admit() found: a refusal to send, the camera already at that device, or a go.
struct admission {
  std::optional<httpd::response> refusal;  // 400 the gateway itself, 403 needs an admin
  camera_ptr existing;                     // set when the device already has a camera
};

// In order: the gateway itself (400, for everyone), a camera already at host:port
// (returned, so the caller picks 409 or selects it), then whether this caller may add
// a camera there (403 unless admin or inside [cameras] allowed_networks).
asio::awaitable<admission> admit(services& s, const httpd::request_context& ctx,
                                 const camera_address& where);

// 409 {"success": false, "error", "camera_id"} for a device that has a camera already.
httpd::response duplicate_camera(const cameras::camera& existing);

// Refuses, at connect time, the addresses admit() refuses as the gateway itself.
std::function<bool(const tcp::endpoint&)> gateway_guard(const services& s);

bool is_admin(const httpd::request_context& ctx);

}  // namespace camgate::api
