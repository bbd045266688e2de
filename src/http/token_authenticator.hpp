#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/external_jwt_verifier.hpp"
#include "auth/ticket_service.hpp"
#include "auth/token_service.hpp"
#include "http/router.hpp"

namespace camgate::httpd {

// The name of the HttpOnly session cookie /auth/login sets for the web page.
inline constexpr std::string_view session_cookie = "camgate_session";

// What a request's credential may be checked against. `tickets` and `external` are
// optional. `resolve_external` maps an identity from an external JWT to the local user
// of that name (its id and bookings); returning nullopt refuses the token.
struct credential_checkers {
  const auth::token_service* tokens = nullptr;
  const auth::ticket_service* tickets = nullptr;
  const auth::external_jwt_verifier* external = nullptr;
  std::function<std::optional<auth::identity>(const auth::identity&)> resolve_external;
};

// The router's authenticator. Looks, in this order, for
//  - "Authorization: Bearer <jwt>",
//  - ?access_token=<jwt> (an <img> or a WebSocket cannot send headers),
//  - the session cookie,
//  - ?ticket=<stream ticket>, accepted only on the resource it was issued for;
// a JWT is one of ours, else (when configured) one of the external issuer's.
authenticator token_authenticator(credential_checkers checkers);

// The bearer token of a request (header, query or cookie); empty when none.
std::string_view find_token(const request_context& ctx);

// The resource a stream ticket must name to open `path`: "camera:3" for
// /api/cameras/3/stream, /ws, /snapshot; nullopt where tickets are not accepted.
std::optional<std::string> ticket_resource(std::string_view path);

// The value of cookie `name` in a Cookie header ("a=1; b=2"); empty when absent.
std::string_view cookie_value(std::string_view header, std::string_view name);

}  // namespace camgate::httpd
