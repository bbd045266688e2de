#include "http/token_authenticator.hpp"

#include "core/clock.hpp"

namespace camgate::httpd {

std::string_view find_token(const request_context& ctx) {
  const auto header = ctx.req[http::field::authorization];
  if (header.size() > 7 && beast::iequals(header.substr(0, 7), "Bearer "))
    return std::string_view(header.data() + 7, header.size() - 7);
  if (auto q = ctx.query_value("access_token")) return *q;
  return {};
}

authenticator token_authenticator(const auth::token_service& tokens) {
  return [&tokens](const request_context& ctx) -> auth_outcome {
    const auto token = find_token(ctx);
    if (token.empty())
      return std::string("authentication required: send Authorization: Bearer <token>");
    auto result = tokens.verify(token, core::unix_micros() / 1000000);
    if (!result) return "invalid token: " + result.reason;
    return authenticated{*result.identity, result.expires_at};
  };
}

}  // namespace camgate::httpd
