#include "recording/scheduler.hpp"

#include <set>

#include "core/logging.hpp"

namespace camgate::recording {

namespace {

using key = std::pair<int, std::int64_t>;
key key_of(access::resource r) {
  return {static_cast<int>(r.kind), r.id};
}

std::string name_of(access::resource r) {
  return std::string(access::to_string(r.kind)) + " " + std::to_string(r.id);
}

// The live booking run that owns each resource's recording now: the one that began
// first (then the lowest user id), so a second booking overlapping it does not split it.
struct live_run {
  std::int64_t start = 0;
  std::int64_t user = 0;
};
std::map<key, live_run> live_runs(const access::access_snapshot& snap, std::int64_t now) {
  std::map<key, live_run> out;
  for (const auto& [k, runs] : snap.runs) {
    for (const auto& run : runs) {
      if (run.start > now || now >= run.end) continue;
      auto [it, added] = out.try_emplace(key_of(k.r), live_run{run.start, k.user_id});
      if (!added && (run.start < it->second.start ||
                     (run.start == it->second.start && k.user_id < it->second.user)))
        it->second = {run.start, k.user_id};
    }
  }
  return out;
}

bool user_live(const access::access_snapshot& snap, std::int64_t user, access::resource what,
               std::int64_t now) {
  auto it = snap.runs.find(access::booking_key{user, what});
  if (it == snap.runs.end()) return false;
  for (const auto& run : it->second)
    if (run.start <= now && now < run.end) return true;
  return false;
}

}  // namespace

scheduler::scheduler(recorder& rec, store::recording_repository& repo,
                     const access::access_index& index, std::string default_policy,
                     scheduler_hooks hooks, std::chrono::seconds segment,
                     std::chrono::seconds retry)
    : rec_(rec),
      repo_(repo),
      index_(index),
      default_policy_(std::move(default_policy)),
      hooks_(std::move(hooks)),
      segment_(segment),
      retry_(retry) {}

std::pair<std::string, bool> scheduler::policy_of(access::resource what) {
  try {
    if (auto own = repo_.policy_of(std::string(access::to_string(what.kind)), what.id))
      return {*own, true};
  } catch (const std::exception& e) {
    spdlog::warn("recording: cannot read the policy of {}: {}", name_of(what), e.what());
  }
  return {default_policy_, false};
}

void scheduler::reconcile(std::int64_t now) {
  std::lock_guard lock(mu_);
  const auto snap = index_.current();
  const auto runs = live_runs(*snap, now);
  std::map<std::pair<std::string, std::int64_t>, std::string> own;
  try {
    own = repo_.policies();
  } catch (const std::exception& e) {
    spdlog::warn("recording: cannot read the policies, keeping what records: {}", e.what());
    return;
  }
  std::set<key> present;
  for (const auto what : hooks_.resources()) {
    present.insert(key_of(what));
    if (!owns(what)) {
      // Another node pulls it and records it (cluster): ours, if any, ends cleanly.
      if (auto cur = rec_.current(what)) {
        spdlog::info("recording {}: another node owns it now: recording {} ends", name_of(what),
                     cur->id);
        rec_.stop(what);
      }
      clear_failure(what);
      continue;
    }
    auto p = own.find({std::string(access::to_string(what.kind)), what.id});
    const std::string& policy = p != own.end() ? p->second : default_policy_;

    std::optional<recording_cause> wanted;
    if (policy == "continuous") {
      wanted = recording_cause{"continuous", std::nullopt, std::nullopt};
    } else if (policy == "bookings") {
      if (auto r = runs.find(key_of(what)); r != runs.end())
        wanted = recording_cause{"booking", hooks_.booking_at(r->second.user, what, now),
                                 r->second.user};
    }

    auto cur = rec_.current(what);
    if (cur && !cur->failure.empty()) {
      rec_.stop(what);
      failed(what, "recording stopped: " + cur->failure, now);
      cur.reset();
    } else if (cur && cur->channel_ended) {
      rec_.stop(what);
      cur.reset();
    }
    if (cur && cur->cause.reason == "demand") {
      // Until the API stops it; a user's own, also when their booking ends (the next
      // user's session is not theirs to record).
      if (!cur->cause.user_id || user_live(*snap, *cur->cause.user_id, what, now)) continue;
      rec_.stop(what);
      cur.reset();
    }
    if (cur) {
      bool keep =
          wanted && wanted->reason == cur->cause.reason && wanted->user_id == cur->cause.user_id;
      if (keep && wanted->reason == "continuous" && now - cur->started_at >= segment_.count())
        keep = false;  // the next segment
      if (keep) continue;
      rec_.stop(what);
    }
    if (!wanted) {
      clear_failure(what);
      continue;
    }
    if (!may_retry(what, now)) continue;
    start(what, std::move(*wanted), now);
  }
  // Cameras removed, robots deleted: their recordings end.
  for (const auto& a : rec_.active())
    if (!present.contains(key_of(a.what))) rec_.stop(a.what);
  rec_.save_progress();
}

void scheduler::start(access::resource what, recording_cause cause, std::int64_t now) {
  std::string why;
  auto source = hooks_.open_feed(what, why);
  if (!source) return failed(what, "cannot record: " + why, now);
  auto r = rec_.start(what, std::move(*source), std::move(cause));
  if (auto* e = std::get_if<std::string>(&r)) return failed(what, *e, now);
  clear_failure(what);
}

void scheduler::clear_failure(access::resource what) {
  std::lock_guard lock(failures_mu_);
  failures_.erase(key_of(what));
}

bool scheduler::may_retry(access::resource what, std::int64_t now) {
  std::lock_guard lock(failures_mu_);
  auto f = failures_.find(key_of(what));
  return f == failures_.end() || f->second.retry_at <= now;
}

void scheduler::failed(access::resource what, std::string why, std::int64_t now) {
  std::lock_guard lock(failures_mu_);
  auto& f = failures_[key_of(what)];
  if (f.why != why) spdlog::error("recording {}: {}", name_of(what), why);
  f.why = std::move(why);
  f.retry_at = now + retry_.count();
}

std::string scheduler::elsewhere(access::resource what) const {
  const auto node = hooks_.owner ? hooks_.owner(what) : std::string();
  if (node.empty())
    return what.kind == access::resource_kind::camera
               ? "no node pulls " + name_of(what) + " yet: it records on the node that takes it"
               : name_of(what) + " is not connected to this node: the node it is connected to " +
                     "records it";
  return name_of(what) + " is recorded by node " + node + " (the node that pulls it): ask there";
}

std::variant<store::recording_row, std::string> scheduler::start_demand(
    access::resource what, std::optional<std::int64_t> user, std::int64_t now) {
  std::lock_guard lock(mu_);
  if (!owns(what)) return elsewhere(what);
  if (auto cur = rec_.current(what))
    return name_of(what) + " is already recording (recording " + std::to_string(cur->id) + ", " +
           cur->cause.reason + ")";
  std::string why;
  auto source = hooks_.open_feed(what, why);
  if (!source) return "cannot record " + name_of(what) + ": " + why;
  recording_cause cause{"demand", std::nullopt, user};
  if (user) cause.booking_id = hooks_.booking_at(*user, what, now);
  auto r = rec_.start(what, std::move(*source), std::move(cause));
  if (std::holds_alternative<store::recording_row>(r)) clear_failure(what);
  return r;
}

std::variant<std::monostate, store::recording_row, std::string> scheduler::stop_demand(
    access::resource what) {
  std::lock_guard lock(mu_);
  auto cur = rec_.current(what);
  if (!cur) return std::monostate{};
  if (cur->cause.reason != "demand")
    return name_of(what) + " records by its '" + policy_of(what).first +
           "' policy: change the policy to stop it";
  auto row = rec_.stop(what);
  if (!row) return std::monostate{};
  return *row;
}

recording_status scheduler::status(access::resource what) {
  recording_status s;
  std::tie(s.policy, s.policy_is_own) = policy_of(what);
  s.current = rec_.current(what);
  if (!s.current && !owns(what)) {
    // Recorded by another node (cluster): its row in the shared store says so.
    try {
      store::recording_filter f;
      f.resource_kind = std::string(access::to_string(what.kind));
      f.resource_id = what.id;
      f.state = "recording";
      const auto rows = repo_.list(f);
      if (!rows.empty()) {
        const auto& r = rows.back();
        s.current = active_recording{what, r.id, {r.reason, r.booking_id, r.user_id}, r.started_at};
        s.node = r.node;
      }
    } catch (const std::exception& e) {
      spdlog::warn("recording: cannot read the recordings of {}: {}", name_of(what), e.what());
    }
    return s;
  }
  std::lock_guard lock(failures_mu_);
  if (auto f = failures_.find(key_of(what)); f != failures_.end()) s.last_error = f->second.why;
  return s;
}

}  // namespace camgate::recording
