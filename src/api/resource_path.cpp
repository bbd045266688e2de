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

}  // namespace camgate::api
