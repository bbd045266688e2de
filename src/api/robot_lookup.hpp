#pragma once
#include <optional>

#include "api/services.hpp"
#include "http/request_context.hpp"

namespace camgate::api {

// The robot named by the path's {id}, as the caller may see it: a robot sees itself only,
// so anybody else's robot is as absent as a missing one (nullopt: answer 404).
std::optional<store::robot_record> visible_robot(services& s, const httpd::request_context& ctx);

}  // namespace camgate::api
