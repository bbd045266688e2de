#include "access/policy.hpp"

#include <algorithm>
#include <utility>

namespace camgate::access {
namespace {

decision allow(std::optional<std::int64_t> ends_at, std::optional<std::int64_t> starts_at = {}) {
  return decision{true, ends_at, {}, starts_at};
}

decision deny(std::string reason, std::optional<std::int64_t> starts_at = {},
              end_reason why = end_reason::booking_ended) {
  return decision{false, std::nullopt, std::move(reason), starts_at, why};
}

decision decide_user(const access_snapshot& s, const auth::identity& who, const resource& r,
                     std::int64_t now_s) {
  const auto it = s.runs.find({who.user_id, r});
  if (it == s.runs.end()) return deny("no booking");
  const auto& runs = it->second;
  // Runs are disjoint and sorted: the first whose end is after now holds now or is next.
  const auto run = std::upper_bound(runs.begin(), runs.end(), now_s,
                                    [](std::int64_t t, const booked_run& b) { return t < b.end; });
  if (run == runs.end()) return deny("booking ended");
  if (now_s < run->start) return deny("booking not started", run->start);
  return allow(run->end, run->start);
}

}  // namespace

decision policy::decide(const access_snapshot& s, const auth::identity& who, const resource& r,
                        std::int64_t now_s) {
  switch (check_credential(s, who)) {
    case credential_state::valid:
      break;
    case credential_state::user_removed:
      return deny("user removed", std::nullopt, end_reason::user_removed);
    case credential_state::token_revoked:
      return deny("token revoked", std::nullopt, end_reason::token_revoked);
  }
  switch (who.role) {
    case auth::role::admin:
      return allow(std::nullopt);
    case auth::role::robot: {
      // A device acts only as itself: its credential must not open anything else.
      const auto self = s.robot_of.find(who.user_id);
      if (r.kind != resource_kind::robot || self == s.robot_of.end() || self->second != r.id)
        return deny("robots may only act as themselves");
      return allow(std::nullopt);
    }
    case auth::role::user:
      return decide_user(s, who, r, now_s);
  }
  return deny("no booking");
}

access_limit policy::limit(const auth::identity& who, const resource& r, std::int64_t now_s) const {
  const decision d = decide(who, r, now_s);
  if (!d.allowed) return {now_s, d.ends_with};
  return {d.ends_at, end_reason::booking_ended};
}

}  // namespace camgate::access
