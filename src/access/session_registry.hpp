#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "access/clock.hpp"
#include "access/end_reason.hpp"
#include "access/live_session.hpp"
#include "access/policy.hpp"
#include "access/resource.hpp"
#include "auth/identity.hpp"
#include "core/asio.hpp"

namespace camgate::store {
class audit_repository;
}  // namespace camgate::store

namespace camgate::access {

struct session_registry_options {
  // Each stream gets warn() once this long before its deadline (0: never).
  std::int64_t warn_before_s = 60;
};

// A live stream as the registry holds it (for an admin listing, /metrics, tests).
struct session_info {
  std::uint64_t id = 0;
  auth::identity who;
  access::resource resource;
  std::string protocol;
  std::string remote;
  std::int64_t started_at = 0;           // unix seconds
  std::optional<std::int64_t> deadline;  // unix seconds; nullopt: nothing ends it
  end_reason deadline_reason = end_reason::booking_ended;
  std::int64_t audit_id = 0;
};

// Every live stream, whatever its protocol, with the time it must end: the end of the
// viewer's booking (none for admins and robots acting as themselves) or the expiry of
// the token it was opened with, whichever comes first; at once when the policy no longer
// accepts the viewer's credential. At that time the stream is cut (live_session::cut
// with booking_ended, token_expired, user_removed or token_revoked) and its audit row
// ended;
// warn_before earlier it is warned, once per deadline (again when the deadline moves).
//
// All timed work happens in tick(now_ms), which returns when it is next needed; start()
// runs it on an asio timer against the injected clock, so tests call tick() and never
// sleep. Due times sit in a multimap, so a tick costs O(log n) per due stream and
// nothing for the others. Thread-safe; callbacks run without the registry's lock held.
//
//   auto id = registry.add(session, who, {resource_kind::camera, 3}, "mjpeg", remote, exp);
//   ...                                     // the viewer leaves:
//   registry.remove(id, end_reason::viewer_closed);
//   sync.refresh();   // after every change: publishes the index, then bookings_changed_all()
class session_registry {
 public:
  session_registry(const policy& rules, store::audit_repository& audit, const clock& time,
                   session_registry_options options = {});
  ~session_registry();

  session_registry(const session_registry&) = delete;
  session_registry& operator=(const session_registry&) = delete;

  // Registers a stream that the policy just allowed and writes its audit row; returns its
  // id for remove(). `token_expires_at_s` is the token's exp (0: no token limit). Should
  // access have ended meanwhile, the stream is cut at the next tick. Throws store::error
  // when the audit row cannot be written: no unaudited streams.
  std::uint64_t add(std::weak_ptr<live_session> session, const auth::identity& who, resource r,
                    std::string protocol, std::string remote, std::int64_t token_expires_at_s);

  // The stream ended for another reason (viewer closed, camera removed, replaced): forget
  // it and end its audit row; cut() is not called. False when it was already gone (for
  // instance cut a moment ago).
  bool remove(std::uint64_t id, end_reason why);

  // Call after any booking of `user_id` was added, changed or deleted, once the access
  // index holds the change: recomputes the deadlines of that user's streams. A later end moves the
  // deadline and cuts nothing; an earlier one cuts then, or now, on this thread, if it has passed.
  void bookings_changed(std::int64_t user_id);
  // The same for every stream, when bookings may have changed behind our back.
  void bookings_changed_all();

  // Cuts every stream of `r` (camera removed) or every stream (gateway stopping) now.
  // Returns how many. O(number of streams): for rare events only.
  std::size_t cut_resource(const resource& r, end_reason why);
  std::size_t cut_all(end_reason why);

  // Does all work due at `now_ms` (wall-clock ms): warnings, then cuts. Returns the next
  // due time, nullopt when nothing is scheduled.
  std::optional<std::int64_t> tick(std::int64_t now_ms);
  std::optional<std::int64_t> next_due_ms() const;

  // Runs tick() on a timer on `executor` (through a strand of it), re-armed for the next
  // due time and early when a deadline moves closer. The timer never waits longer than a
  // second, so a step of the wall clock is noticed. stop() (also done by the destructor)
  // waits for a running tick to finish; do not call it from warn() or cut(). Stop (or
  // destroy the registry) before the io_context goes away.
  void start(asio::any_io_executor executor);
  void stop();

  std::optional<session_info> find(std::uint64_t id) const;
  std::vector<session_info> list() const;  // by id
  // How many streams read `r` now, leaving out those of protocol `except` (analysis asks
  // whether someone watches: an event stream alone is not watching). O(streams).
  std::size_t count(const resource& r, std::string_view except = {}) const;

  // For /metrics.
  std::size_t active_sessions() const { return active_.load(std::memory_order_relaxed); }
  // Streams ended with `why`, cut or removed.
  std::uint64_t ended_total(end_reason why) const;
  std::uint64_t warnings_sent() const { return warnings_.load(std::memory_order_relaxed); }
  std::uint64_t audit_failures() const { return audit_failures_.load(std::memory_order_relaxed); }

 private:
  using schedule_map = std::multimap<std::int64_t, std::uint64_t>;  // due ms -> session
  struct entry {
    std::weak_ptr<live_session> session;
    auth::identity who;
    access::resource resource;
    std::string protocol;
    std::string remote;
    std::int64_t started_at = 0;
    std::int64_t token_expires_at = 0;  // 0: none
    std::optional<std::int64_t> deadline;
    end_reason deadline_reason = end_reason::booking_ended;
    std::optional<std::int64_t> warned_for;  // the deadline the last warn() announced
    std::int64_t audit_id = 0;
    schedule_map::iterator due;  // schedule_.end() when nothing is scheduled
  };
  struct driver;
  struct ending;
  struct warning;

  void set_deadline(entry& e, std::uint64_t id, const access_limit& limit);
  void reschedule(entry& e, std::uint64_t id);
  void wake_driver_locked(std::int64_t due_ms);
  ending unlink_locked(std::unordered_map<std::uint64_t, entry>::iterator it, end_reason why);
  std::optional<std::int64_t> collect_due_locked(std::int64_t now_ms, std::vector<warning>& warns,
                                                 std::vector<ending>& ends);
  void finish(std::vector<warning>& warns, std::vector<ending>& ends, std::int64_t now_ms);
  void recompute(std::optional<std::int64_t> user_id);
  std::int64_t driver_tick();  // tick() for the driver: returns how long to wait (ms)
  static session_info info_of(std::uint64_t id, const entry& e);

  const policy& policy_;
  store::audit_repository& audit_;
  const clock& clock_;
  const std::int64_t warn_before_ms_;

  // Serialises "read bookings, install deadline" (add, bookings_changed) so a stale
  // reading never overwrites a fresher one.
  std::mutex recompute_mutex_;

  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, entry> sessions_;
  schedule_map schedule_;
  std::unordered_map<std::int64_t, std::unordered_set<std::uint64_t>> by_user_;
  std::uint64_t next_id_ = 1;
  std::shared_ptr<driver> driver_;
  std::int64_t driver_armed_ms_ = 0;  // when the driver's timer fires next

  std::atomic<std::size_t> active_{0};
  std::array<std::atomic<std::uint64_t>, end_reason_count> ended_{};
  std::atomic<std::uint64_t> warnings_{0};
  std::atomic<std::uint64_t> audit_failures_{0};
};

}  // namespace camgate::access
