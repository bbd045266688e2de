#pragma once
#include "auth/token_service.hpp"
#include "http/router.hpp"

namespace camgate::httpd {

// The router's authenticator for camgate's own JWTs: taken from
// "Authorization: Bearer <jwt>", else from ?access_token= (an <img> or a WebSocket
// cannot send headers).
authenticator token_authenticator(const auth::token_service& tokens);

// The bearer token of a request, wherever it was sent; empty when none.
std::string_view find_token(const request_context& ctx);

}  // namespace camgate::httpd
