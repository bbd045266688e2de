#include "api/resource_path.hpp"

#include "api/request_body.hpp"
#include "api/robot_lookup.hpp"

namespace camgate::api {

std::variant<access::resource, httpd::response> path_resource(services& s,
                                                              const httpd::request_context& ctx,
                                                              bool robot) {
  if (robot) {
    auto r = visible_robot(s, ctx);
    if (!r) return httpd::json_error(http::status::not_found, "no such robot");
    return access::robot_resource(r->id);
  }
  auto id = parse_id(ctx.param("id"));
  if (!id || !s.cameras.get(*id))
    return httpd::json_error(http::status::not_found, "no such camera");
  return access::camera_resource(*id);
}

void add_resource_route(httpd::router& r, services& s, http::verb verb, const std::string& suffix,
                        resource_handler f) {
  for (const bool robot : {false, true}) {
    const std::string base = robot ? "/api/robots/{id}" : "/api/cameras/{id}";
    r.add(verb, base + suffix,
          [&s, robot, f](httpd::request_context& ctx) { return f(s, ctx, robot); });
  }
}

}  // namespace camgate::api
