#pragma once
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http/connection.hpp"

namespace camgate::httpd {

// What a route handler produces: a message to send, or a takeover of the connection
// by a streaming output (then `message` is unused and the session ends).
struct response {
  response_message message;
  std::function<void(connection&&)> takeover;
};

response json_response(http::status status, const nlohmann::json& body);
// The project-wide error shape: {"success": false, "error": "<reason>"}.
response json_error(http::status status, std::string_view error);
response bytes_response(http::status status, std::string_view content_type, std::string body);

}  // namespace camgate::httpd
