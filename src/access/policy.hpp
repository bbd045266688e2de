#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "access/resource.hpp"
#include "auth/identity.hpp"

namespace camgate::store {
class booking_repository;
class robot_repository;
}  // namespace camgate::store

namespace camgate::access {

// The answer to "may this identity watch this resource now?".
struct decision {
  bool allowed = false;
  // When access ends (unix seconds, exclusive) if allowed; nullopt: no booking limits it.
  std::optional<std::int64_t> ends_at;
  // Why not: "no booking", "booking not started", "booking ended" or "robots may only act
  // as themselves". Empty when allowed.
  std::string reason;
  // "booking not started": when the next booking starts. Allowed: when the booked run
  // that holds now began.
  std::optional<std::int64_t> starts_at;
};

// Who may watch what, when:
// - an admin: anything, any time, with no booking deadline;
// - a user: a camera or robot only inside one of their bookings of it. Overlapping or
//   adjacent bookings of the same user and resource merge into one run, so a booking
//   that ends exactly when the next starts goes on seamlessly; the deadline is the end
//   of the run that holds now. Start inclusive, end exclusive;
// - a robot: only its own robot resource (no booking needed), never a camera.
// Reads the store on every call, so a booking change counts at once. Thread-safe.
class policy {
 public:
  policy(store::booking_repository& bookings, store::robot_repository& robots)
      : bookings_(bookings), robots_(robots) {}

  decision decide(const auth::identity& who, const resource& r, std::int64_t now_s) const;

  // When `who`'s access to `r` ends, for recomputing a live stream's deadline: nullopt
  // when no booking limits it (admin, robot as itself); a time <= now_s when access is
  // not allowed now (the stream must end at once).
  std::optional<std::int64_t> booking_end(const auth::identity& who, const resource& r,
                                          std::int64_t now_s) const;

 private:
  decision decide_user(const auth::identity& who, const resource& r, std::int64_t now_s) const;

  store::booking_repository& bookings_;
  store::robot_repository& robots_;
};

}  // namespace camgate::access
