#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "access/access_index.hpp"
#include "auth/external_jwt_verifier.hpp"
#include "auth/ticket_service.hpp"
#include "auth/token_service.hpp"
#include "http/router.hpp"

namespace camgate::api {

// What a request's credential may be checked against. `tickets` and `external` are
// optional. `resolve_external` maps an identity from an external JWT to the local user
// of that name (its id and bookings); returning nullopt refuses the token.
struct credential_checkers {
  const auth::token_service* tokens = nullptr;
  const auth::ticket_service* tickets = nullptr;
  const auth::external_jwt_verifier* external = nullptr;
  std::function<std::optional<auth::identity>(const auth::identity&)> resolve_external;
  // When set, a token or ticket is accepted only while its user is in the index at the
  // generation it carries: a deleted user's, a logged-out or demoted user's credentials
  // stop working as soon as the index has the change. Read lock-free, no I/O.
  const access::access_index* index = nullptr;
};

// The router's authenticator: http finds the credential (httpd::credential_authenticator);
// this checks it. A bearer token is one of ours, else (when configured) one of the
// external issuer's; a stream ticket is accepted only on the resource it was issued for.
httpd::authenticator token_authenticator(credential_checkers checkers);

// The resource a stream ticket must name to open `path`: "camera:3" for
// /api/cameras/3/stream, /ws, /snapshot, /whep; "robot:2" for the same under
// /api/robots/2; "recording:7" for /api/recordings/7/media and /download; nullopt where
// tickets are not accepted.
std::optional<std::string> ticket_resource(std::string_view path);

}  // namespace camgate::api
