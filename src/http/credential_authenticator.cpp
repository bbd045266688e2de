#include "http/credential_authenticator.hpp"

#include "core/text.hpp"

namespace camgate::httpd {
using core::trim;

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto pair = trim(header.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name)
      return trim(pair.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

std::string_view find_token(const request_context& ctx) {
  const auto header = ctx.req[http::field::authorization];
  if (header.size() > 7 && beast::iequals(header.substr(0, 7), "Bearer "))
    return std::string_view(header.data() + 7, header.size() - 7);
  if (auto q = ctx.query_value("access_token")) return *q;
  const auto cookies = ctx.req[http::field::cookie];
  if (!cookies.empty())
    return cookie_value(std::string_view(cookies.data(), cookies.size()), session_cookie);
  return {};
}

authenticator credential_authenticator(credential_checks checks) {
  return [c = std::move(checks)](const request_context& ctx) -> auth_outcome {
    if (const auto token = find_token(ctx); !token.empty() && c.bearer) return c.bearer(token);
    if (auto ticket = ctx.query_value("ticket"); ticket && c.ticket)
      return c.ticket(*ticket, ctx.path);
    return std::string("authentication required: send Authorization: Bearer <token>");
  };
}

}  // namespace camgate::httpd
