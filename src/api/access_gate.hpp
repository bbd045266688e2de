#pragma once
#include <memory>
#include <optional>
#include <string>

#include "api/services.hpp"
#include "http/request_context.hpp"
#include "http/response.hpp"
#include "outputs/output_session.hpp"

namespace camgate::api {

// Every read of a camera or robot goes through here: 403 {"success": false, "error":
// <reason>} unless the policy allows the caller now (admin always; a user inside a booking).
std::optional<httpd::response> deny_unless_allowed(services& s, const httpd::request_context& ctx,
                                                   access::resource what);

// After a write of users, robots or bookings: the access index, token checks and live
// streams follow before the response goes out. A failure is logged (the store's change
// watch does not see our own writes, so the next write or restart catches up). In a
// cluster the other nodes are told (services.publish_change).
void access_changed(services& s);

// Who opened a live stream, kept for registering it once the output has started.
struct viewer {
  auth::identity who;
  std::int64_t token_expires_at = 0;
  std::string remote;
};
viewer viewer_of(const httpd::request_context& ctx);

// Ties a started output to the session registry: the registry's deadline ends it
// (close code 4001 "booking ended" / 4002 "token expired"), its warning becomes a
// {"type":"session-expiring","ends_at":...} notice, and the output's end is audited.
// Call from the takeover, with the on_closed handler that make_closed_handler() gave.
class live_binding;
struct live_link {
  std::shared_ptr<live_binding> binding;
  outputs::output_session::closed_handler on_closed;
};
live_link make_live_link(services& s);
void register_live(services& s, const live_link& link, std::shared_ptr<outputs::output_session> out,
                   const viewer& v, access::resource what, std::string protocol);

}  // namespace camgate::api
