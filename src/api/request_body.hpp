#pragma once
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "http/request_context.hpp"
#include "http/response.hpp"

namespace camgate::api {

// The request body as a JSON object, or the 400 answer to send. An HTML form body
// (application/x-www-form-urlencoded) is read as an object of strings.
std::variant<nlohmann::json, httpd::response> json_object_body(const httpd::request_context& ctx);

// Reads an optional string field; a field of another type is an error message.
std::variant<std::optional<std::string>, std::string> string_field(const nlohmann::json& body,
                                                                   std::string_view name);

// Parses a camera/row id path parameter; nullopt when it is not a positive integer.
std::optional<std::int64_t> parse_id(std::string_view text);

}  // namespace camgate::api
