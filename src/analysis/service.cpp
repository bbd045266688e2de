#include "analysis/service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "core/clock.hpp"

namespace camgate::analysis {

// One camera's or robot's continuous analysis, as the service thread keeps it.
struct service::slot {
  access::resource what;
  profile prof;
  bool running = false;
  std::string why_not;
  std::optional<hub::feed> feed;
  std::unique_ptr<resource_analysis> analysis;
  std::atomic<bool> busy{false};  // a pass is on the workers
  std::int64_t next_due_us = 0;
  std::atomic<std::uint64_t> passes{0};
  std::atomic<std::uint64_t> skipped{0};
  std::mutex last_mu;
  nlohmann::json last;  // the last analysis event's body
};

namespace {

constexpr std::int64_t kReconcileUs = 1'000'000;
constexpr std::int64_t kPruneUs = 3600LL * 1'000'000;
constexpr std::size_t kMaxPending = 20000;  // results waiting for the store (~20 s of 100 cameras)

std::string kind_text(access::resource r) {
  return std::string(access::to_string(r.kind));
}

}  // namespace

service::service(service_options options, service_hooks hooks, event_hub& events,
                 store::analysis_repository& repo, const access::access_index& index)
    : options_(std::move(options)),
      hooks_(std::move(hooks)),
      events_(events),
      repo_(repo),
      index_(index) {
  for (const auto& [name, o] : options_.external)
    external_.emplace(name, std::make_shared<http_analyzer>(ioc_.get_executor(), o));
  // Own profiles as stored; one that no longer reads (an analyzer removed from the
  // configuration) falls back to the default, with a log line.
  for (const auto& row : repo_.profiles()) {
    auto kind = access::resource_kind_from_string(row.resource_kind);
    if (!kind) continue;
    nlohmann::json j = nlohmann::json::parse(row.profile, nullptr, false);
    auto parsed = profile_from_json(j, options_.defaults, known_analyzers(), options_.max_fps);
    if (auto* p = std::get_if<profile>(&parsed))
      own_profiles_[key_of({*kind, row.resource_id})] = *p;
    else
      spdlog::warn("analysis: the stored profile of {} {} is ignored: {}", row.resource_kind,
                   row.resource_id, std::get<std::string>(parsed));
  }
}

service::~service() {
  stop();
}

void service::start() {
  if (started_) return;
  started_ = true;
  workers_ = std::make_unique<asio::thread_pool>(options_.workers);
  schedule();
  thread_ = std::thread([this] {
    try {
      ioc_.run();
    } catch (const std::exception& e) {
      spdlog::error("analysis: the service thread stopped: {}", e.what());
    }
  });
}

void service::stop() {
  if (stopped_.exchange(true)) return;
  if (started_) {
    asio::post(ioc_, [this] { timer_.cancel(); });
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    if (workers_) workers_->join();  // the passes running finish and publish
  }
  {
    std::lock_guard lock(slots_mu_);
    slots_.clear();  // releases the feeds (a robot's decoding)
  }
  flush_results(core::unix_micros());
}

void service::schedule() {
  timer_.expires_after(options_.tick);
  timer_.async_wait([this](error_code ec) {
    if (ec || stopped_) return;
    tick();
    schedule();
  });
}

void service::tick_now() {
  if (!started_ || stopped_) return;
  std::promise<void> done;
  asio::post(ioc_, [&] {
    next_reconcile_us_ = 0;
    tick();
    done.set_value();
  });
  done.get_future().wait();
}

void service::tick() {
  if (stopped_) return;
  const auto now = core::unix_micros();
  try {
    if (now >= next_reconcile_us_) {
      next_reconcile_us_ = now + kReconcileUs;
      reconcile(now);
      flush_results(now);
    }
    std::vector<std::shared_ptr<slot>> due;
    {
      std::lock_guard lock(slots_mu_);
      for (auto& [k, s] : slots_)
        if (s->running && now >= s->next_due_us) due.push_back(s);
    }
    for (auto& s : due) run_due(s, now);
  } catch (const std::exception& e) {
    spdlog::error("analysis: a pass failed: {}", e.what());
  }
}

bool service::booked_now(access::resource what, std::int64_t now_s) const {
  const auto snap = index_.current();
  for (const auto& [k, runs] : snap->runs) {
    if (!(k.r == what)) continue;
    for (const auto& run : runs)
      if (run.start <= now_s && now_s < run.end) return true;
  }
  return false;
}

void service::reconcile(std::int64_t now_us) {
  const auto all = hooks_.resources ? hooks_.resources() : std::vector<access::resource>{};
  report_states(all, now_us);
  std::map<key, std::shared_ptr<slot>> next;
  for (const auto& what : all) {
    const auto k = key_of(what);
    std::shared_ptr<slot> s;
    {
      std::lock_guard lock(slots_mu_);
      if (auto it = slots_.find(k); it != slots_.end()) s = it->second;
    }
    if (!s) {
      s = std::make_shared<slot>();
      s->what = what;
      s->analysis = std::make_unique<resource_analysis>(what, options_.builtins);
    }
    const auto p = profile_of(what);
    bool run = false;
    std::string why;
    switch (p.when) {
      case run_when::off:
        why = "the profile is off";
        break;
      case run_when::always:
        run = true;
        break;
      case run_when::watched:
        run = hooks_.watched && hooks_.watched(what);
        if (!run) why = "nobody watches";
        break;
      case run_when::bookings:
        run = booked_now(what, now_us / 1'000'000);
        if (!run) why = "no booking is live";
        break;
    }
    if (run && hooks_.owns && !hooks_.owns(what)) {
      run = false;
      why = "another node analyses it (the node that pulls it)";
    }
    if (run && p.analyzers.empty()) {
      run = false;
      why = "the profile names no analyzer";
    }
    if (run && !s->feed) {
      s->feed = hooks_.open_feed ? hooks_.open_feed(what, why) : std::nullopt;
      if (!s->feed) {
        run = false;
        if (why.empty()) why = "no pictures";
      }
    }
    if (!run) s->feed.reset();  // a robot's decoding stops with its last consumer
    if (run && !s->running) s->next_due_us = now_us;
    {
      std::lock_guard lock(slots_mu_);
      s->prof = p;
      s->running = run;
      s->why_not = run ? std::string() : why;
    }
    next[k] = s;
  }
  std::lock_guard lock(slots_mu_);
  slots_ = std::move(next);  // resources gone are dropped (a pass running keeps its own)
}

void service::report_states(const std::vector<access::resource>& all, std::int64_t now_us) {
  if (!hooks_.state_of) return;
  std::map<key, std::string> seen;
  for (const auto& what : all) {
    if (hooks_.owns && !hooks_.owns(what)) continue;  // its owner reports it
    auto state = hooks_.state_of(what);
    if (!state) continue;
    const auto k = key_of(what);
    seen[k] = *state;
    std::string before;
    {
      std::lock_guard lock(slots_mu_);
      if (auto it = states_.find(k); it != states_.end()) before = it->second;
    }
    if (before.empty() || before == *state) continue;
    auto body = event_body("camera-state", what, now_us);
    body["state"] = *state;
    body["previous"] = before;
    const bool up = *state == "streaming" || *state == "polling" || *state == "online";
    body["back"] = up && (before == "stale" || before == "offline");
    publish({make_event("camera-state", what, now_us, std::move(body))}, true);
  }
  std::lock_guard lock(slots_mu_);
  states_ = std::move(seen);
}

void service::run_due(const std::shared_ptr<slot>& self, std::int64_t now_us) {
  auto& s = *self;
  const auto period = static_cast<std::int64_t>(1'000'000.0 / std::max(0.01, s.prof.fps));
  s.next_due_us = std::max(s.next_due_us + period, now_us + period / 2);
  if (!s.feed || !s.feed->channel) return;
  auto picture = s.feed->channel->latest();
  if (s.busy.load()) {
    // The latest picture wins: this one is skipped, never queued.
    s.skipped.fetch_add(1, std::memory_order_relaxed);
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!picture || picture->seq() == s.analysis->last_seq()) {
    publish(s.analysis->idle(s.prof, now_us), s.prof.store);
    return;
  }
  run_external(s, picture);
  const bool builtins = std::any_of(s.prof.analyzers.begin(), s.prof.analyzers.end(),
                                    [](const auto& n) { return builtin_analyzers().contains(n); });
  if (!builtins) {
    s.analysis->idle(s.prof, now_us);
    return;
  }
  s.busy = true;
  asio::post(*workers_, [this, self, picture, prof = s.prof, now_us] {
    try {
      auto out = self->analysis->run(prof, picture, now_us);
      if (!out.empty()) {
        std::lock_guard lock(self->last_mu);
        self->last = out.front()->body;
      }
      publish(out, prof.store);
    } catch (const std::exception& e) {
      spdlog::error("analysis: {} {}: {}", kind_text(self->what), self->what.id, e.what());
    }
    self->passes.fetch_add(1, std::memory_order_relaxed);
    passes_.fetch_add(1, std::memory_order_relaxed);
    self->busy = false;
  });
}

void service::run_external(slot& s, const core::frame_ptr& picture) {
  for (const auto& name : s.prof.analyzers) {
    auto it = external_.find(name);
    if (it == external_.end()) continue;
    const auto key = kind_text(s.what) + ":" + std::to_string(s.what.id);
    if (it->second->busy(key)) {
      s.skipped.fetch_add(1, std::memory_order_relaxed);
      skipped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    it->second->analyze(key, picture,
                        [this, what = s.what, name, keep = s.prof.store](const http_analysis& r) {
                          const auto now = core::unix_micros();
                          auto body = event_body("analysis", what, now);
                          body["analyzer"] = name;
                          body["frame_seq"] = r.frame_seq;
                          body["captured_at_us"] = r.captured_at_us;
                          body["ms"] = r.ms;
                          if (r.ok)
                            body["results"] = {{name, r.body}};
                          else
                            body["error"] = r.error;
                          publish({make_event("analysis", what, now, std::move(body))}, keep);
                        });
  }
}

void service::publish(const std::vector<event_ptr>& events, bool keep) {
  for (const auto& e : events) {
    events_.publish(e);
    if (!keep) continue;
    std::lock_guard lock(pending_mu_);
    if (pending_.size() >= kMaxPending) {
      // The store is far behind (a slow disk): the oldest waiting result goes, counted.
      pending_.erase(pending_.begin());
      if (pending_dropped_++ % 1000 == 0)
        spdlog::warn("analysis: the results store is behind; {} result(s) not kept",
                     pending_dropped_);
    }
    pending_.push_back({0, kind_text(e->resource), e->resource.id, e->type, e->at_us, e->text()});
  }
}

void service::flush_results(std::int64_t now_us) {
  std::vector<store::analysis_event_row> rows;
  {
    std::lock_guard lock(pending_mu_);
    rows.swap(pending_);
  }
  try {
    repo_.append(rows);
    stored_.fetch_add(rows.size(), std::memory_order_relaxed);
    if (now_us >= next_prune_us_) {
      next_prune_us_ = now_us + kPruneUs;
      const auto before =
          options_.keep_days > 0 ? now_us - options_.keep_days * 86400LL * 1'000'000 : 0;
      if (const auto n = repo_.prune(before, options_.max_results); n > 0)
        spdlog::info("analysis: retention removed {} stored result(s)", n);
    }
  } catch (const std::exception& e) {
    spdlog::error("analysis: cannot store {} result(s): {}", rows.size(), e.what());
    std::lock_guard lock(pending_mu_);  // kept for the next try, within the cap
    if (pending_.size() + rows.size() <= kMaxPending)
      pending_.insert(pending_.begin(), rows.begin(), rows.end());
  }
}

profile service::profile_of(access::resource what) const {
  std::lock_guard lock(profiles_mu_);
  auto it = own_profiles_.find(key_of(what));
  return it == own_profiles_.end() ? options_.defaults : it->second;
}

void service::set_profile(access::resource what, const profile& p, std::optional<std::int64_t> by) {
  repo_.set_profile(
      {kind_text(what), what.id, to_json(p).dump(), core::unix_micros() / 1'000'000, by});
  {
    std::lock_guard lock(profiles_mu_);
    own_profiles_[key_of(what)] = p;
  }
  if (started_ && !stopped_) asio::post(ioc_, [this] { next_reconcile_us_ = 0; });
}

void service::reset_profile(access::resource what) {
  repo_.remove_profile(kind_text(what), what.id);
  {
    std::lock_guard lock(profiles_mu_);
    own_profiles_.erase(key_of(what));
  }
  if (started_ && !stopped_) asio::post(ioc_, [this] { next_reconcile_us_ = 0; });
}

analysis_status service::status_of(access::resource what) const {
  analysis_status st;
  st.current = profile_of(what);
  {
    std::lock_guard lock(profiles_mu_);
    st.own_profile = own_profiles_.contains(key_of(what));
  }
  std::shared_ptr<slot> s;
  {
    std::lock_guard lock(slots_mu_);
    auto it = slots_.find(key_of(what));
    if (it == slots_.end()) {
      st.why_not = started_ ? "not seen yet" : "analysis is not running";
      return st;
    }
    s = it->second;
    st.running = s->running;
    st.why_not = s->why_not;
  }
  st.passes = s->passes.load();
  st.skipped = s->skipped.load();
  std::lock_guard lock(s->last_mu);
  st.last = s->last;
  return st;
}

std::set<std::string> service::known_analyzers() const {
  auto names = builtin_analyzers();
  for (const auto& [name, o] : options_.external) names.insert(name);
  return names;
}

std::shared_ptr<http_analyzer> service::external(const std::string& name) const {
  auto it = external_.find(name);
  return it == external_.end() ? nullptr : it->second;
}

}  // namespace camgate::analysis
