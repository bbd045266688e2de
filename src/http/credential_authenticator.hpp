#pragma once
#include <functional>
#include <string_view>

#include "http/router.hpp"

namespace camgate::httpd {

// The name of the HttpOnly session cookie /auth/login sets for the web page.
inline constexpr std::string_view session_cookie = "camgate_session";

// What a credential found in a request is checked with. http only finds credentials;
// what they mean (our tokens, the external issuer's, which paths take a ticket) is the
// caller's: api supplies these.
struct credential_checks {
  // A bearer token, from wherever the request carried it.
  std::function<auth_outcome(std::string_view token)> bearer;
  // A stream ticket presented on `path`; unset when tickets are off.
  std::function<auth_outcome(std::string_view ticket, std::string_view path)> ticket;
};

// The router's authenticator. Looks, in this order, for
//  - "Authorization: Bearer <token>",
//  - ?access_token=<token> (an <img> or a WebSocket cannot send headers),
//  - the session cookie,
//  - ?ticket=<stream ticket>;
// and hands the first one found to `checks`.
authenticator credential_authenticator(credential_checks checks);

// The bearer token of a request (header, query or cookie); empty when none.
std::string_view find_token(const request_context& ctx);

// The value of cookie `name` in a Cookie header ("a=1; b=2"); empty when absent.
std::string_view cookie_value(std::string_view header, std::string_view name);

}  // namespace camgate::httpd
