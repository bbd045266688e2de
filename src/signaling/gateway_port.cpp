#include "signaling/gateway_port.hpp"

namespace camgate::signaling {

std::optional<std::int64_t> registry_port::robot_id(std::string_view name) {
  auto r = robots_.find_by_name(name);
  if (!r) return std::nullopt;
  return r->id;
}

access::decision registry_port::decide(const auth::identity& who, access::resource what) {
  return policy_.decide(who, what, clock_.now_ms() / 1000);
}

std::uint64_t registry_port::open_session(std::weak_ptr<access::live_session> s,
                                          const auth::identity& who, access::resource what,
                                          const std::string& remote,
                                          std::int64_t token_expires_at) {
  return live_.add(std::move(s), who, what, "webrtc", remote, token_expires_at);
}

void registry_port::close_session(std::uint64_t id, access::end_reason why) {
  live_.remove(id, why);
}

}  // namespace camgate::signaling
