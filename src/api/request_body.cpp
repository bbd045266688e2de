#include "api/request_body.hpp"

#include <charconv>

#include "http/query.hpp"

namespace camgate::api {

std::variant<nlohmann::json, httpd::response> json_object_body(const httpd::request_context& ctx) {
  const auto& body = ctx.req.body();
  const auto type = ctx.req[http::field::content_type];
  const auto first = body.find_first_not_of(" \t\r\n");
  const bool looks_like_json =
      first != std::string::npos && (body[first] == '{' || body[first] == '[');
  // curl -d sends JSON labelled as a form: trust the bytes over the label.
  if (type.starts_with("application/x-www-form-urlencoded") && !looks_like_json) {
    nlohmann::json obj = nlohmann::json::object();
    for (auto& [k, v] : httpd::parse_query(body)) obj[k] = v;
    return obj;
  }
  if (body.empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded())
    return httpd::json_error(http::status::bad_request, "request body is not valid JSON");
  if (!parsed.is_object())
    return httpd::json_error(http::status::bad_request, "request body must be a JSON object");
  return parsed;
}

std::variant<std::optional<std::string>, std::string> string_field(const nlohmann::json& body,
                                                                   std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return std::string(name) + " must be a string";
  return std::optional<std::string>(it->get<std::string>());
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

}  // namespace camgate::api
