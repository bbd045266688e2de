#pragma once
#include <variant>

#include "access/resource.hpp"
#include "api/services.hpp"
#include "http/request_context.hpp"
#include "http/response.hpp"

namespace camgate::api {

// The camera (/api/cameras/{id}/...) or robot (/api/robots/{id}/...) a path names, if
// there is one the caller may know of; else 404.
std::variant<access::resource, httpd::response> path_resource(services& s,
                                                              const httpd::request_context& ctx,
                                                              bool robot);

}  // namespace camgate::api
