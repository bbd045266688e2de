#include "access/session_registry.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "core/logging.hpp"
#include "store/audit_repository.hpp"

namespace camgate::access {
namespace {

// Longest the driver sleeps, so a step of the wall clock is noticed within a second.
constexpr std::int64_t kMaxWaitMs = 1000;

std::int64_t floor_seconds(std::int64_t ms) {
  return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

// Saturating, so an absurd token expiry cannot overflow into the past.
std::int64_t to_ms(std::int64_t s) {
  constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 1000;
  return std::clamp(s, -limit, limit) * 1000;
}

std::size_t index_of(end_reason r) {
  return static_cast<std::size_t>(r);
}

// Session callbacks must not take the registry down with them.
template <typename F>
void guarded(std::string_view what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::warn("access: {} threw: {}", what, e.what());
  } catch (...) {
    spdlog::warn("access: {} threw", what);
  }
}

}  // namespace

// A stream leaving the registry: what is left to do once the lock is released.
struct session_registry::ending {
  std::weak_ptr<live_session> session;
  std::int64_t audit_id = 0;
  end_reason why = end_reason::booking_ended;
  bool cut = true;  // false when the stream ended by itself (remove)
};

struct session_registry::warning {
  std::weak_ptr<live_session> session;
  std::int64_t ends_at = 0;
};

// The asio side: a timer on a strand that calls back into the registry. Shared with
// its pending handlers, so it outlives the registry safely; `owner` is cleared by stop().
struct session_registry::driver : std::enable_shared_from_this<driver> {
  driver(asio::any_io_executor executor, session_registry* registry)
      : strand(asio::make_strand(std::move(executor))), timer(strand), owner(registry) {}

  void post_run() {
    asio::post(strand, [self = shared_from_this()] { self->run(); });
  }

  void run() {
    std::lock_guard lock(mutex);
    if (owner == nullptr) return;
    const std::int64_t wait_ms = owner->driver_tick();
    timer.expires_after(std::chrono::milliseconds(wait_ms));
    // A wait superseded by a newer expires_after() ends with operation_aborted.
    timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->run();
    });
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      owner = nullptr;
    }
    asio::post(strand, [self = shared_from_this()] { self->timer.cancel(); });
  }

  asio::strand<asio::any_io_executor> strand;
  asio::steady_timer timer;
  std::mutex mutex;  // held during a tick, so stop() waits for it
  session_registry* owner;
};

session_registry::session_registry(const policy& rules, store::audit_repository& audit,
                                   const clock& time, session_registry_options options)
    : policy_(rules),
      audit_(audit),
      clock_(time),
      warn_before_ms_(std::max<std::int64_t>(options.warn_before_s, 0) * 1000) {}

session_registry::~session_registry() {
  stop();
}

std::uint64_t session_registry::add(std::weak_ptr<live_session> session, const auth::identity& who,
                                    resource r, std::string protocol, std::string remote,
                                    std::int64_t token_expires_at_s) {
  const std::int64_t now_s = floor_seconds(clock_.now_ms());
  const std::int64_t audit_id =
      audit_.begin(who.user_id, who.name, to_string(r.kind), r.id, protocol, remote, now_s);
  try {
    std::lock_guard recompute(recompute_mutex_);
    const auto booking_end = policy_.limit(who, r, now_s);
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    entry& e = sessions_[id];
    e.session = std::move(session);
    e.who = who;
    e.resource = r;
    e.protocol = std::move(protocol);
    e.remote = std::move(remote);
    e.started_at = now_s;
    e.token_expires_at = token_expires_at_s;
    e.audit_id = audit_id;
    e.due = schedule_.end();
    by_user_[who.user_id].insert(id);
    active_.fetch_add(1, std::memory_order_relaxed);
    set_deadline(e, id, booking_end);
    return id;
  } catch (...) {
    guarded("ending the audit row of a stream that did not start",
            [&] { audit_.end(audit_id, now_s, "not started: gateway error"); });
    throw;
  }
}

bool session_registry::remove(std::uint64_t id, end_reason why) {
  std::vector<ending> ends;
  {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    ends.push_back(unlink_locked(it, why));
  }
  ends.back().cut = false;
  std::vector<warning> none;
  finish(none, ends, clock_.now_ms());
  return true;
}

void session_registry::bookings_changed(std::int64_t user_id) {
  recompute(user_id);
}

void session_registry::bookings_changed_all() {
  recompute(std::nullopt);
}

void session_registry::recompute(std::optional<std::int64_t> user_id) {
  {
    std::lock_guard recompute(recompute_mutex_);
    struct target {
      std::uint64_t id;
      auth::identity who;
      access::resource resource;
    };
    std::vector<target> targets;
    {
      std::lock_guard lock(mutex_);
      const auto add_target = [&](std::uint64_t id) {
        const entry& e = sessions_.at(id);
        targets.push_back({id, e.who, e.resource});
      };
      if (user_id) {
        const auto u = by_user_.find(*user_id);
        if (u != by_user_.end()) std::for_each(u->second.begin(), u->second.end(), add_target);
      } else {
        for (const auto& [id, e] : sessions_) add_target(id);
      }
    }
    if (targets.empty()) return;

    // Ask the policy without the lock, once per viewer and resource (three tabs on one
    // camera cost one decision).
    const std::int64_t now_s = floor_seconds(clock_.now_ms());
    using key = std::tuple<std::int64_t, std::int64_t, auth::role, resource_kind, std::int64_t>;
    std::map<key, access_limit> ends;
    for (const auto& t : targets) {
      const key k{t.who.user_id, t.who.token_gen, t.who.role, t.resource.kind, t.resource.id};
      if (!ends.contains(k)) ends.emplace(k, policy_.limit(t.who, t.resource, now_s));
    }

    std::lock_guard lock(mutex_);
    for (const auto& t : targets) {
      const auto it = sessions_.find(t.id);
      if (it == sessions_.end()) continue;  // ended meanwhile
      set_deadline(
          it->second, t.id,
          ends.at(key{t.who.user_id, t.who.token_gen, t.who.role, t.resource.kind, t.resource.id}));
    }
  }
  // A deadline that has already passed (booking deleted) is cut now, not at the next tick.
  tick(clock_.now_ms());
}

std::size_t session_registry::cut_resource(const resource& r, end_reason why) {
  std::vector<ending> ends;
  {
    std::lock_guard lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      const auto next = std::next(it);
      if (it->second.resource == r) ends.push_back(unlink_locked(it, why));
      it = next;
    }
  }
  std::vector<warning> none;
  finish(none, ends, clock_.now_ms());
  return ends.size();
}

std::size_t session_registry::cut_all(end_reason why) {
  std::vector<ending> ends;
  {
    std::lock_guard lock(mutex_);
    while (!sessions_.empty()) ends.push_back(unlink_locked(sessions_.begin(), why));
  }
  std::vector<warning> none;
  finish(none, ends, clock_.now_ms());
  return ends.size();
}

std::optional<std::int64_t> session_registry::tick(std::int64_t now_ms) {
  std::vector<warning> warns;
  std::vector<ending> ends;
  std::optional<std::int64_t> next;
  {
    std::lock_guard lock(mutex_);
    next = collect_due_locked(now_ms, warns, ends);
  }
  finish(warns, ends, now_ms);
  return next;
}

std::optional<std::int64_t> session_registry::next_due_ms() const {
  std::lock_guard lock(mutex_);
  if (schedule_.empty()) return std::nullopt;
  return schedule_.begin()->first;
}

std::int64_t session_registry::driver_tick() {
  const std::int64_t now_ms = clock_.now_ms();
  std::vector<warning> warns;
  std::vector<ending> ends;
  std::int64_t wake_at = 0;
  {
    std::lock_guard lock(mutex_);
    const auto next = collect_due_locked(now_ms, warns, ends);
    wake_at = std::min(next.value_or(now_ms + kMaxWaitMs), now_ms + kMaxWaitMs);
    // Set under the same lock as the schedule: a deadline added after this reading
    // compares against it and wakes the driver if it is earlier.
    driver_armed_ms_ = wake_at;
  }
  finish(warns, ends, now_ms);
  return std::max<std::int64_t>(wake_at - now_ms, 0);
}

void session_registry::start(asio::any_io_executor executor) {
  stop();
  auto d = std::make_shared<driver>(std::move(executor), this);
  {
    std::lock_guard lock(mutex_);
    driver_ = d;
    // The first run is on its way: no need to wake it for anything until it has armed.
    driver_armed_ms_ = std::numeric_limits<std::int64_t>::min();
  }
  d->post_run();
}

void session_registry::stop() {
  std::shared_ptr<driver> d;
  {
    std::lock_guard lock(mutex_);
    d = std::move(driver_);
  }
  if (d) d->stop();
}

std::optional<session_info> session_registry::find(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return info_of(id, it->second);
}

std::vector<session_info> session_registry::list() const {
  std::vector<session_info> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(sessions_.size());
    for (const auto& [id, e] : sessions_) out.push_back(info_of(id, e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::size_t session_registry::count(const resource& r, std::string_view except) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, e] : sessions_) n += e.resource == r && e.protocol != except;
  return n;
}

std::uint64_t session_registry::ended_total(end_reason why) const {
  return ended_[index_of(why)].load(std::memory_order_relaxed);
}

void session_registry::set_deadline(entry& e, std::uint64_t id, const access_limit& limit) {
  const std::optional<std::int64_t>& booking_end = limit.ends_at;
  const std::optional<std::int64_t> token =
      e.token_expires_at > 0 ? std::optional(e.token_expires_at) : std::nullopt;
  std::optional<std::int64_t> deadline;
  end_reason why = end_reason::booking_ended;
  // On a tie the booking is the reason: a fresh token would not have helped.
  if (booking_end && (!token || *booking_end <= *token)) {
    deadline = booking_end;
    why = limit.why;
  } else if (token) {
    deadline = token;
    why = end_reason::token_expired;
  }
  e.deadline_reason = why;
  if (deadline == e.deadline && (e.due != schedule_.end() || !deadline)) return;
  e.deadline = deadline;
  reschedule(e, id);
}

void session_registry::reschedule(entry& e, std::uint64_t id) {
  if (e.due != schedule_.end()) schedule_.erase(e.due);
  e.due = schedule_.end();
  if (!e.deadline) return;
  const std::int64_t deadline_ms = to_ms(*e.deadline);
  // One warning per deadline: a moved deadline (later or earlier) is announced again.
  const bool warn = warn_before_ms_ > 0 && e.warned_for != e.deadline;
  const std::int64_t at = warn ? deadline_ms - warn_before_ms_ : deadline_ms;
  e.due = schedule_.emplace(at, id);
  wake_driver_locked(at);
}

void session_registry::wake_driver_locked(std::int64_t due_ms) {
  if (driver_ && due_ms < driver_armed_ms_) {
    driver_armed_ms_ = due_ms;
    driver_->post_run();
  }
}

session_registry::ending session_registry::unlink_locked(
    std::unordered_map<std::uint64_t, entry>::iterator it, end_reason why) {
  entry& e = it->second;
  if (e.due != schedule_.end()) schedule_.erase(e.due);
  if (const auto u = by_user_.find(e.who.user_id); u != by_user_.end()) {
    u->second.erase(it->first);
    if (u->second.empty()) by_user_.erase(u);
  }
  ending out{std::move(e.session), e.audit_id, why, true};
  sessions_.erase(it);
  active_.fetch_sub(1, std::memory_order_relaxed);
  ended_[index_of(why)].fetch_add(1, std::memory_order_relaxed);
  return out;
}

std::optional<std::int64_t> session_registry::collect_due_locked(std::int64_t now_ms,
                                                                 std::vector<warning>& warns,
                                                                 std::vector<ending>& ends) {
  while (!schedule_.empty() && schedule_.begin()->first <= now_ms) {
    const std::uint64_t id = schedule_.begin()->second;
    schedule_.erase(schedule_.begin());
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) continue;  // cannot happen: unlink erases the due time
    entry& e = it->second;
    e.due = schedule_.end();
    if (!e.deadline) continue;
    if (to_ms(*e.deadline) <= now_ms) {
      // Also when its warning was still pending: a late tick cuts without warning.
      ends.push_back(unlink_locked(it, e.deadline_reason));
    } else {
      e.warned_for = e.deadline;
      warns.push_back({e.session, *e.deadline});
      reschedule(e, id);
    }
  }
  if (schedule_.empty()) return std::nullopt;
  return schedule_.begin()->first;
}

void session_registry::finish(std::vector<warning>& warns, std::vector<ending>& ends,
                              std::int64_t now_ms) {
  for (const auto& w : warns) {
    if (auto s = w.session.lock()) {
      guarded("live_session::warn", [&] { s->warn(w.ends_at); });
      warnings_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // Cut first, write the audit after: the streams stop as early as possible.
  std::size_t cut = 0;
  for (const auto& e : ends) {
    if (!e.cut) continue;
    ++cut;
    if (auto s = e.session.lock()) guarded("live_session::cut", [&] { s->cut(e.why); });
  }
  if (cut > 0) spdlog::info("access: cut {} stream(s)", cut);

  // One transaction per reason, so thousands of streams ending together cost one commit.
  std::map<end_reason, std::vector<std::int64_t>> by_reason;
  for (const auto& e : ends) by_reason[e.why].push_back(e.audit_id);
  for (const auto& [why, ids] : by_reason) {
    try {
      audit_.end(ids, floor_seconds(now_ms), to_string(why));
    } catch (const std::exception& ex) {
      // The rows stay open; close_dangling() ends them at the next start-up.
      audit_failures_.fetch_add(ids.size(), std::memory_order_relaxed);
      spdlog::error("access: cannot record the end of {} stream(s) ({}): {}", ids.size(),
                    to_string(why), ex.what());
    }
  }
}

session_info session_registry::info_of(std::uint64_t id, const entry& e) {
  return session_info{id,           e.who,      e.resource,        e.protocol, e.remote,
                      e.started_at, e.deadline, e.deadline_reason, e.audit_id};
}

}  // namespace camgate::access
