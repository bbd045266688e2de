#include "http/response.hpp"

namespace camgate::httpd {

response bytes_response(http::status status, std::string_view content_type, std::string body) {
  response r;
  r.message.result(status);
  r.message.set(http::field::content_type, content_type);
  r.message.body() = std::move(body);
  return r;
}

response json_response(http::status status, const nlohmann::json& body) {
  auto r = bytes_response(status, "application/json",
                          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  r.message.set(http::field::cache_control, "no-store");
  return r;
}

response json_error(http::status status, std::string_view error) {
  return json_response(status, {{"success", false}, {"error", error}});
}

}  // namespace camgate::httpd
