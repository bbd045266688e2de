#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "access/access_index.hpp"
#include "access/end_reason.hpp"
#include "access/resource.hpp"
#include "auth/identity.hpp"

namespace camgate::access {

// The answer to "may this identity watch this resource now?".
struct decision {
  bool allowed = false;
  // When access ends (unix seconds, exclusive) if allowed; nullopt: no booking limits it.
  std::optional<std::int64_t> ends_at;
  // Why not: "user removed", "token revoked", "no booking", "booking not started",
  // "booking ended" or "robots may only act as themselves". Empty when allowed.
  std::string reason;
  // "booking not started": when the next booking starts. Allowed: when the booked run
  // that holds now began.
  std::optional<std::int64_t> starts_at;
  // How a live stream ends for this refusal: user_removed, token_revoked, else
  // booking_ended.
  end_reason ends_with = end_reason::booking_ended;
};

// When a live stream must end and why: for session_registry.
struct access_limit {
  std::optional<std::int64_t> ends_at;  // nullopt: nothing limits it; <= now: end now
  end_reason why = end_reason::booking_ended;
};

// Who may watch what, when:
// - nobody whose credential the index no longer accepts (user deleted: "user removed";
//   older token generation: "token revoked");
// - an admin: anything, any time, with no booking deadline;
// - a user: a camera or robot only inside one of their bookings of it. Overlapping or
//   adjacent bookings of the same user and resource merge into one run, so a booking
//   that ends exactly when the next starts goes on seamlessly; the deadline is the end
//   of the run that holds now. Start inclusive, end exclusive;
// - a robot: only its own robot resource (no booking needed), never a camera.
// A pure function of an access_snapshot: no I/O, no lock. Thread-safe.
class policy {
 public:
  explicit policy(const access_index& index) : index_(index) {}

  decision decide(const auth::identity& who, const resource& r, std::int64_t now_s) const {
    return decide(*index_.current(), who, r, now_s);
  }
  static decision decide(const access_snapshot& s, const auth::identity& who, const resource& r,
                         std::int64_t now_s);

  // When `who`'s stream of `r` must end, for recomputing a live stream's deadline.
  access_limit limit(const auth::identity& who, const resource& r, std::int64_t now_s) const;

 private:
  const access_index& index_;
};

}  // namespace camgate::access
