#pragma once
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "access/resource.hpp"
#include "api/services.hpp"
#include "core/frame.hpp"
#include "http/response.hpp"

namespace camgate::api {

// 400 naming the analyzers there are, unless `name` is one.
std::optional<httpd::response> check_analyzer_name(services& s, const std::string& name);

// Runs analyzer `name` once over `picture` of `what`, for ?analyzer=NAME: a built-in on
// the blocking pool (motion and frozen compare with nothing: they need continuous
// analysis), an external one over HTTP, sharing the request already in flight for this
// camera if there is one. Its JSON, or the answer to send: 502 when the external
// analyzer failed (timeout, error, malformed answer).
asio::awaitable<std::variant<nlohmann::json, httpd::response>> call_analyzer(
    services& s, const std::string& name, access::resource what, core::frame_ptr picture);

}  // namespace camgate::api
