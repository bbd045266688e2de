// What the access check costs per request: the booking policy against a real SQLite
// store holding 10,000 bookings of 200 users on 50 cameras, and the whole of "verify the
// token, then decide". Run: build/bin/camgate-bench-policy.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "access/policy.hpp"
#include "auth/token_service.hpp"
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
  access::policy policy{bookings, robots};
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
    auto d = f.policy.decide(*v.identity, {access::resource_kind::camera, 1}, kNow);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_TokenVerifyThenPolicy);

void BM_TokenVerifyOnly(benchmark::State& state) {
  auth::token_service tokens(std::string(32, 'k'), 3600);
  const auto token = tokens.issue({5, "user5", auth::role::user}, kNow).token;
  for (auto _ : state) benchmark::DoNotOptimize(tokens.verify(token, kNow));
}
BENCHMARK(BM_TokenVerifyOnly);

}  // namespace

BENCHMARK_MAIN();
