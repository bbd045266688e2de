#pragma once
#include "access/clock.hpp"
#include "access/policy.hpp"
#include "access/session_registry.hpp"
#include "signaling/hub.hpp"
#include "store/robot_repository.hpp"

namespace camgate::signaling {

// The hub's gateway_port over the real store, policy and session registry: viewer
// sessions are live sessions of resource {robot, id} or {camera, id}, protocol "webrtc".
class registry_port : public gateway_port {
 public:
  registry_port(store::robot_repository& robots, const access::policy& policy,
                access::session_registry& live, const access::clock& clock)
      : robots_(robots), policy_(policy), live_(live), clock_(clock) {}

  std::optional<std::int64_t> robot_id(std::string_view name) override;
  access::decision decide(const auth::identity& who, access::resource what) override;
  std::uint64_t open_session(std::weak_ptr<access::live_session> s, const auth::identity& who,
                             access::resource what, const std::string& remote,
                             std::int64_t token_expires_at) override;
  void close_session(std::uint64_t id, access::end_reason why) override;

 private:
  store::robot_repository& robots_;
  const access::policy& policy_;
  access::session_registry& live_;
  const access::clock& clock_;
};

}  // namespace camgate::signaling
