#include "api/robot_lookup.hpp"

#include "api/request_body.hpp"

namespace camgate::api {

std::optional<store::robot_record> visible_robot(services& s, const httpd::request_context& ctx) {
  auto id = parse_id(ctx.param("id"));
  auto r = id ? s.robots.get(*id) : std::nullopt;
  if (!r || (ctx.identity->role == auth::role::robot && r->user_id != ctx.identity->user_id))
    return std::nullopt;
  return r;
}

}  // namespace camgate::api
