#pragma once
#include <cstdint>
#include <string_view>

#include "auth/identity.hpp"
#include "auth/jwt_verifier.hpp"
#include "auth/token_service.hpp"

namespace camgate::auth {

// Short-lived tokens bound to one resource ("camera:3"), for URLs that cannot carry an
// Authorization header (<img src>, WebSocket): the long-lived access token then never
// appears in a URL, a browser history or an access log. A ticket is a JWT with typ
// "ticket", signed with its own key, HMAC-SHA256(gateway secret, "camgate-ticket"), so a
// ticket is never accepted as an access token nor an access token as a ticket.
// Thread-safe: it holds no mutable state.
//
//   auth::ticket_service tickets(secret);
//   auto t = tickets.issue(*ctx.identity, "camera:3", access.expires_at, now);
//   // GET /api/cameras/3/stream?ticket=<t.token>
//   if (auto r = tickets.verify(ticket, "camera:3", now)) serve(*r.identity);
class ticket_service {
 public:
  static constexpr std::int64_t default_lifetime_s = 60;
  static constexpr std::size_t max_resource_size = 256;
  // Longer inputs are rejected unread; a ticket is a few hundred bytes.
  static constexpr std::size_t max_ticket_size = 2048;

  // `gateway_secret` is the access tokens' HMAC key (at least 32 bytes); the ticket key is
  // derived from it. Throws auth::error on a short secret or a lifetime outside
  // [1, 3600] seconds.
  explicit ticket_service(std::string_view gateway_secret,
                          std::int64_t lifetime_s = default_lifetime_s);
  // A ticket for `who` to use `resource`, valid from now_s until the earlier of
  // now_s + lifetime and `not_after_s` (the expiry of the token that proved `who`: a
  // ticket never outlives it). Throws auth::error when the resource is empty, longer
  // than max_resource_size or holds a NUL, or not_after_s <= now_s.
  issued_token issue(const identity& who, std::string_view resource, std::int64_t not_after_s,
                     std::int64_t now_s) const;

  // Never throws. Fails with "ticket expired" from its expiry second on, and with
  // "ticket is for another resource" when `resource` differs from the one it was issued
  // for. On success `expires_at` is the expiry of the token the ticket was issued from:
  // a stream opened with the ticket lasts until then, not just the ticket's minute.
  verify_result verify(std::string_view ticket, std::string_view resource,
                       std::int64_t now_s) const noexcept;

  std::int64_t lifetime() const { return lifetime_; }

 private:
  verify_result check(std::string_view ticket, std::string_view resource, std::int64_t now_s) const;

  std::int64_t lifetime_;
  jwt_verifier verifier_;
};

}  // namespace camgate::auth
