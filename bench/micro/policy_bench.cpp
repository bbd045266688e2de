// What the access check costs per request: the booking policy on the in-memory access
// index built from a real SQLite store holding 10,000 bookings of 200 users on 50
// cameras, and the whole gate: "verify the token, check its user and generation in the
// index, then decide". The *P99 benchmarks time each call and report its p50/p99 (ns).
// Run: build/bin/camgate-bench-policy (build/bench/... in some layouts).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <vector>

#include "access/access_index.hpp"
#include "access/policy.hpp"
#include "api/token_authenticator.hpp"
#include "auth/token_service.hpp"
#include "core/clock.hpp"
#include "store/access_rows.hpp"
#include "store/booking_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/database.hpp"
#include "store/robot_repository.hpp"
#include "store/transaction.hpp"
#include "store/user_repository.hpp"

namespace {
using namespace camgate;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr int kUsers = 200, kCameras = 50, kBookingsPerUser = 50;

struct fixture {
  std::filesystem::path file = std::filesystem::temp_directory_path() /
                               ("camgate-policy-bench-" + std::to_string(::getpid()) + ".db");
  store::database db{file};
  store::user_repository users{db};
  store::camera_repository cameras{db};
  store::booking_repository bookings{db};
  store::robot_repository robots{db};
  access::access_index index;
  access::policy policy{index};
  std::vector<store::user> people;

  fixture() {
    std::mt19937 rng(7);
    store::transaction tx(db);
    for (int c = 0; c < kCameras; ++c) {
      store::camera_record r;
      r.name = "cam" + std::to_string(c);
      r.host = "10.0.0." + std::to_string(c + 1);
      cameras.add(r);
    }
    for (int u = 0; u < kUsers; ++u) {
      people.push_back(users.add("user" + std::to_string(u), "user", "x"));
      // A week of one-hour bookings around now, on random cameras.
      for (int b = 0; b < kBookingsPerUser; ++b) {
        store::booking bk;
        bk.user_id = people.back().id;
        bk.resource_kind = "camera";
        bk.resource_id = 1 + static_cast<std::int64_t>(rng() % kCameras);
        bk.starts_at = kNow - 3 * 86400 + static_cast<std::int64_t>(rng() % (6 * 86400));
        bk.ends_at = bk.starts_at + 3600;
        bk.created_at = kNow;
        bookings.add(bk);
      }
      // ...and one that holds now on camera 1.
      store::booking now_bk{0, people.back().id, "camera", 1, kNow - 600, kNow + 600, "", {}, kNow};
      bookings.add(now_bk);
    }
    tx.commit();
    index.publish(store::load_access_rows(db));
  }
  ~fixture() { std::filesystem::remove(file); }
};

fixture& shared() {
  static fixture f;
  return f;
}

void BM_PolicyUserInsideABooking(benchmark::State& state) {
  auto& f = shared();
  const auth::identity who{f.people[17].id, f.people[17].name, auth::role::user};
  for (auto _ : state) {
    auto d = f.policy.decide(who, {access::resource_kind::camera, 1}, kNow);
    if (!d.allowed) state.SkipWithError("should be allowed");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_PolicyUserInsideABooking);

void BM_PolicyUserWithoutBooking(benchmark::State& state) {
  auto& f = shared();
  const auth::identity who{f.people[17].id, f.people[17].name, auth::role::user};
  for (auto _ : state) {
    auto d = f.policy.decide(who, {access::resource_kind::camera, 999}, kNow);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_PolicyUserWithoutBooking);

void BM_PolicyAdmin(benchmark::State& state) {
  auto& f = shared();
  const auth::identity who{1, "admin", auth::role::admin};
  for (auto _ : state)
    benchmark::DoNotOptimize(f.policy.decide(who, {access::resource_kind::camera, 1}, kNow));
}
BENCHMARK(BM_PolicyAdmin);

void BM_TokenVerifyThenPolicy(benchmark::State& state) {
  auto& f = shared();
  auth::token_service tokens(std::string(32, 'k'), 3600);
  const auth::identity who{f.people[17].id, f.people[17].name, auth::role::user};
  const auto token = tokens.issue(who, kNow).token;
  for (auto _ : state) {
    auto v = tokens.verify(token, kNow);
    // The token check's index lookup (api::token_authenticator), then the policy.
    const bool valid = access::check_credential(*f.index.current(), *v.identity) ==
                       access::credential_state::valid;
    auto d = f.policy.decide(*v.identity, {access::resource_kind::camera, 1}, kNow);
    if (!valid || !d.allowed) state.SkipWithError("should be allowed");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_TokenVerifyThenPolicy);

// Times every call and reports p50 and p99 in ns (counters), over users and cameras
// drawn at random, so hits, misses and every kind of answer count.
template <class Call>
void per_call_percentiles(benchmark::State& state, Call&& call) {
  std::vector<std::int64_t> ns;
  ns.reserve(1 << 20);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    call(i++);
    const auto t1 = std::chrono::steady_clock::now();
    if (ns.size() < ns.capacity())
      ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = static_cast<double>(ns[ns.size() / 2]);
  state.counters["p99_ns"] = static_cast<double>(ns[ns.size() * 99 / 100]);
}

void BM_PolicyP99(benchmark::State& state) {
  auto& f = shared();
  per_call_percentiles(state, [&](std::size_t i) {
    const auto& p = f.people[(i * 7919) % f.people.size()];
    const auth::identity who{p.id, p.name, auth::role::user};
    benchmark::DoNotOptimize(f.policy.decide(
        who, {access::resource_kind::camera, 1 + static_cast<std::int64_t>(i % kCameras)}, kNow));
  });
}
BENCHMARK(BM_PolicyP99);

void BM_GateP99(benchmark::State& state) {
  auto& f = shared();
  auth::token_service tokens(std::string(32, 'k'), 3600);
  // The gateway's real authenticator (token check + index lookup), then the policy: what
  // every camera request and stream start pays. Each user sends their own token, as
  // clients do on every request.
  const auto gate = api::token_authenticator({&tokens, nullptr, nullptr, {}, &f.index});
  std::vector<httpd::request> requests(f.people.size());
  std::vector<httpd::request_context> contexts;
  contexts.reserve(f.people.size());
  const auto now = core::unix_micros() / 1000000;
  for (std::size_t u = 0; u < f.people.size(); ++u) {
    const auto& p = f.people[u];
    requests[u].set(http::field::authorization,
                    "Bearer " + tokens.issue({p.id, p.name, auth::role::user}, now).token);
    contexts.push_back({requests[u], "/api/cameras/1/snapshot", {}, {}, "127.0.0.1", {}});
  }
  per_call_percentiles(state, [&](std::size_t i) {
    const auto outcome = gate(contexts[(i * 7919) % contexts.size()]);
    const auto* who = std::get_if<httpd::authenticated>(&outcome);
    if (!who) std::abort();
    auto d = f.policy.decide(
        who->identity, {access::resource_kind::camera, 1 + static_cast<std::int64_t>(i % kCameras)},
        kNow);
    benchmark::DoNotOptimize(d);
  });
}
BENCHMARK(BM_GateP99);

void BM_TokenVerifyOnly(benchmark::State& state) {
  auth::token_service tokens(std::string(32, 'k'), 3600);
  const auto token = tokens.issue({5, "user5", auth::role::user}, kNow).token;
  for (auto _ : state) benchmark::DoNotOptimize(tokens.verify(token, kNow));
}
BENCHMARK(BM_TokenVerifyOnly);

}  // namespace

BENCHMARK_MAIN();
