#pragma once
#include <memory>
#include <string>

#include "auth/identity.hpp"
#include "http/connection.hpp"
#include "signaling/hub.hpp"
#include "signaling/ws_channel.hpp"

namespace camgate::signaling {

struct plain_options {
  ws_channel_options channel;
};

// /signaling: the protocol as JSON text messages {"type": ...} over a plain WebSocket,
// for an already authenticated client. Closes at token expiry with 4002.
void start_plain_session(httpd::connection&& c, hub& h, const auth::identity& who,
                         std::int64_t token_expires_at, std::string remote, plain_options options);

}  // namespace camgate::signaling
