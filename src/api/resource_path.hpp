#pragma once
#include <variant>

#include "access/resource.hpp"
#include "api/services.hpp"
#include "http/request_context.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace camgate::api {

// The camera (/api/cameras/{id}/...) or robot (/api/robots/{id}/...) a path names, if
// there is one the caller may know of; else 404.
std::variant<access::resource, httpd::response> path_resource(services& s,
                                                              const httpd::request_context& ctx,
                                                              bool robot);

// Registers `f` at /api/cameras/{id}<suffix> and /api/robots/{id}<suffix>, telling it
// which (robot: true for the second).
using resource_handler = std::function<asio::awaitable<httpd::response>(
    services& s, httpd::request_context& ctx, bool robot)>;
void add_resource_route(httpd::router& r, services& s, http::verb verb, const std::string& suffix,
                        resource_handler f);

}  // namespace camgate::api
