#include "http/token_authenticator.hpp"

#include <charconv>

#include "core/clock.hpp"

namespace camgate::httpd {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Our own token failed for a reason that says "not ours" (its claims or signature are
// not what we issue) rather than "ours, but no longer valid": then the external issuer
// may have signed it.
bool maybe_external(auth::token_error e) {
  return e != auth::token_error::expired && e != auth::token_error::not_yet_valid;
}

auth_outcome check_jwt(const credential_checkers& c, std::string_view token, std::int64_t now) {
  auto own = c.tokens->verify(token, now);
  if (own) return authenticated{*own.identity, own.expires_at};
  if (c.external && maybe_external(own.code)) {
    auto ext = c.external->verify(token, now);
    if (!ext) return "invalid token: " + ext.reason;
    auto local = c.resolve_external ? c.resolve_external(*ext.identity) : ext.identity;
    if (!local) return std::string("invalid token: unknown user '") + ext.identity->name + "'";
    return authenticated{*local, ext.expires_at};
  }
  return "invalid token: " + own.reason;
}

}  // namespace

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

std::optional<std::string> ticket_resource(std::string_view path) {
  constexpr std::string_view prefix = "/api/cameras/";
  if (!path.starts_with(prefix)) return std::nullopt;
  path.remove_prefix(prefix.size());
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto id = path.substr(0, slash);
  const auto what = path.substr(slash + 1);
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (ec != std::errc{} || p != id.data() + id.size() || n <= 0) return std::nullopt;
  if (what != "stream" && what != "ws" && what != "snapshot") return std::nullopt;
  return "camera:" + std::to_string(n);
}

authenticator token_authenticator(credential_checkers checkers) {
  return [c = std::move(checkers)](const request_context& ctx) -> auth_outcome {
    const auto now = core::unix_micros() / 1000000;
    if (const auto token = find_token(ctx); !token.empty()) return check_jwt(c, token, now);
    if (auto ticket = ctx.query_value("ticket"); ticket && c.tickets) {
      auto resource = ticket_resource(ctx.path);
      if (!resource) return std::string("a stream ticket is not accepted here");
      auto r = c.tickets->verify(*ticket, *resource, now);
      if (!r) return "invalid ticket: " + r.reason;
      return authenticated{*r.identity, r.expires_at};
    }
    return std::string("authentication required: send Authorization: Bearer <token>");
  };
}

}  // namespace camgate::httpd
