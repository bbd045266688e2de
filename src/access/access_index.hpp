#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "access/resource.hpp"
#include "auth/identity.hpp"
#include "core/atomic_shared_ptr.hpp"
#include "store/access_rows.hpp"

namespace camgate::access {

// A user as access sees them: a token must name a present user with this role and
// generation.
struct user_entry {
  std::string name;
  auth::role role = auth::role::user;
  std::int64_t token_gen = 1;
};

// [start, end) of merged bookings: overlapping or touching bookings of one user on one
// resource are one run, so back-to-back bookings go on seamlessly.
struct booked_run {
  std::int64_t start = 0;
  std::int64_t end = 0;
};

struct booking_key {
  std::int64_t user_id = 0;
  resource r;
  bool operator==(const booking_key&) const = default;
};

struct booking_key_hash {
  std::size_t operator()(const booking_key& k) const noexcept {
    std::uint64_t h = static_cast<std::uint64_t>(k.user_id) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<std::uint64_t>(k.r.id) + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
    return static_cast<std::size_t>(h ^ static_cast<std::uint64_t>(k.r.kind));
  }
};

// One immutable state of who may do what: built from store rows, never changed after.
struct access_snapshot {
  std::unordered_map<std::int64_t, user_entry> users;       // by user id
  std::unordered_map<std::int64_t, std::int64_t> robot_of;  // robot's user id -> robot id
  std::unordered_map<booking_key, std::vector<booked_run>, booking_key_hash> runs;  // by start
  std::uint64_t version = 0;  // counts publishes, for logs and tests

  static std::shared_ptr<const access_snapshot> build(const store::access_rows& rows,
                                                      std::uint64_t version = 0);
};

// Is the credential behind `who` still good? Not when its user is gone or its
// generation is not the user's current one. A role change bumps the generation (store
// trigger); the role itself is not compared, since an external issuer's token carries
// the issuer's role for a local user.
enum class credential_state { valid, user_removed, token_revoked };
credential_state check_credential(const access_snapshot& s, const auth::identity& who);

// The current access_snapshot, swapped whole on every change (copy-on-write): readers
// (the policy, the token check, on any I/O thread) take a shared_ptr with one atomic
// load, no lock and no I/O; writers build a new snapshot and publish it.
//
//   index.publish(store::load_access_rows(db));      // after every change
//   auto snap = index.current();  snap->users.find(id) ...
class access_index {
 public:
  access_index() : current_(std::make_shared<const access_snapshot>()) {}

  std::shared_ptr<const access_snapshot> current() const { return current_.load(); }
  void publish(const store::access_rows& rows);

 private:
  core::atomic_shared_ptr<const access_snapshot> current_;
  std::atomic<std::uint64_t> published_{0};
};

}  // namespace camgate::access
