#include "access/policy.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "store/booking_repository.hpp"
#include "store/robot_repository.hpp"

namespace camgate::access {
namespace {

decision allow(std::optional<std::int64_t> ends_at, std::optional<std::int64_t> starts_at = {}) {
  return decision{true, ends_at, {}, starts_at};
}

decision deny(std::string reason, std::optional<std::int64_t> starts_at = {}) {
  return decision{false, std::nullopt, std::move(reason), starts_at};
}

}  // namespace

decision policy::decide(const auth::identity& who, const resource& r, std::int64_t now_s) const {
  switch (who.role) {
    case auth::role::admin:
      return allow(std::nullopt);
    case auth::role::robot: {
      // A device acts only as itself: its credential must not open anything else.
      if (r.kind != resource_kind::robot) return deny("robots may only act as themselves");
      const auto self = robots_.find_by_user(who.user_id);
      if (!self || self->id != r.id) return deny("robots may only act as themselves");
      return allow(std::nullopt);
    }
    case auth::role::user:
      return decide_user(who, r, now_s);
  }
  return deny("no booking");
}

decision policy::decide_user(const auth::identity& who, const resource& r,
                             std::int64_t now_s) const {
  const auto bookings = bookings_.active_or_next(who.user_id, to_string(r.kind), r.id, now_s);
  // By start: merge overlapping and touching bookings into runs [start, end).
  std::vector<std::pair<std::int64_t, std::int64_t>> runs;
  for (const auto& b : bookings) {
    if (!runs.empty() && b.starts_at <= runs.back().second) {
      runs.back().second = std::max(runs.back().second, b.ends_at);
    } else {
      runs.emplace_back(b.starts_at, b.ends_at);
    }
  }
  for (const auto& [start, end] : runs) {
    if (now_s < start) return deny("booking not started", start);
    if (now_s < end) return allow(end, start);
    // Every booking listed ends at or after now: this run ended exactly now.
  }
  if (!runs.empty() || bookings_.last_ended(who.user_id, to_string(r.kind), r.id, now_s)) {
    return deny("booking ended");
  }
  return deny("no booking");
}

std::optional<std::int64_t> policy::booking_end(const auth::identity& who, const resource& r,
                                                std::int64_t now_s) const {
  const decision d = decide(who, r, now_s);
  if (!d.allowed) return now_s;
  return d.ends_at;
}

}  // namespace camgate::access
