// CPU per 720p picture of each built-in analyzer (issue 15), on camsim frames (1280x720,
// quality 80, the moving test pattern): the luma decode every analyzer reads, each
// measure on its own, the whole pass the gateway runs per picture (resource_analysis::run
// with all five), and the old full colour decode (analysis::analyze_jpeg) for comparison.
// Consecutive frames rotate through a ring so motion and frozen compare real changes.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "analysis/frame_analysis.hpp"
#include "analysis/frozen_detector.hpp"
#include "analysis/luma_plane.hpp"
#include "analysis/motion_detector.hpp"
#include "analysis/picture_measures.hpp"
#include "analysis/resource_analysis.hpp"
#include "camsim/frame_generator.hpp"

namespace {

using namespace camgate;

constexpr int ring = 16;

const std::vector<core::frame_ptr>& frames() {
  static const std::vector<core::frame_ptr> f = [] {
    camsim::frame_generator gen;
    std::vector<core::frame_ptr> out;
    // 15 fps camera analysed at 2 fps: pictures 7-8 frames apart.
    for (int i = 0; i < ring; ++i) out.push_back(gen.render({1280, 720, 80}, 100 + 7 * i));
    return out;
  }();
  return f;
}

const std::vector<analysis::luma_plane>& planes() {
  static const std::vector<analysis::luma_plane> p = [] {
    std::vector<analysis::luma_plane> out;
    for (const auto& f : frames()) out.push_back(*analysis::decode_luma(f->bytes(), nullptr));
    return out;
  }();
  return p;
}

void decode_luma(benchmark::State& state) {
  const auto& f = frames();
  std::size_t i = 0;
  std::string error;
  for (auto _ : state)
    benchmark::DoNotOptimize(analysis::decode_luma(f[i++ % ring]->bytes(), &error));
  state.counters["luma_w"] = planes()[0].width;
  state.counters["luma_h"] = planes()[0].height;
  state.counters["jpeg_kb"] = static_cast<double>(f[0]->bytes().size()) / 1024.0;
}
BENCHMARK(decode_luma)->Unit(benchmark::kMicrosecond);

void exposure(benchmark::State& state) {
  const auto& p = planes();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(analysis::measure_exposure(p[i++ % ring]));
}
BENCHMARK(exposure)->Unit(benchmark::kMicrosecond);

void sharpness(benchmark::State& state) {
  const auto& p = planes();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(analysis::measure_sharpness(p[i++ % ring], 20));
}
BENCHMARK(sharpness)->Unit(benchmark::kMicrosecond);

void black(benchmark::State& state) {
  const auto& p = planes();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(analysis::measure_black(p[i++ % ring], 16));
}
BENCHMARK(black)->Unit(benchmark::kMicrosecond);

void motion(benchmark::State& state) {
  const auto& p = planes();
  analysis::motion_detector d;
  analysis::motion_mask mask;
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(d.analyze(p[i++ % ring], mask, 0.01));
}
BENCHMARK(motion)->Unit(benchmark::kMicrosecond);

void frozen(benchmark::State& state) {
  const auto& p = planes();
  analysis::frozen_detector d;
  std::size_t i = 0;
  std::int64_t now = 1'700'000'000'000'000;
  for (auto _ : state) {
    now += 500'000;
    benchmark::DoNotOptimize(d.picture(p[i++ % ring], now, 3'000'000));
  }
}
BENCHMARK(frozen)->Unit(benchmark::kMicrosecond);

// What the gateway does per analysed picture: decode once, all five, the event body.
void full_pass(benchmark::State& state) {
  const auto& f = frames();
  analysis::resource_analysis r(access::camera_resource(1), {});
  analysis::profile prof;
  prof.when = analysis::run_when::always;
  prof.analyzers = {"exposure", "sharpness", "motion", "frozen", "black"};
  std::size_t i = 0;
  std::int64_t now = 1'700'000'000'000'000;
  for (auto _ : state) {
    now += 500'000;
    benchmark::DoNotOptimize(r.run(prof, f[i++ % ring], now));
  }
}
BENCHMARK(full_pass)->Unit(benchmark::kMicrosecond);

// The seed's analysis: a full RGB decode of the 1280x720 picture, then mean and sharpness.
void old_analyze_jpeg(benchmark::State& state) {
  const auto& f = frames();
  std::size_t i = 0;
  std::string error;
  for (auto _ : state)
    benchmark::DoNotOptimize(analysis::analyze_jpeg(f[i++ % ring]->bytes(), &error));
}
BENCHMARK(old_analyze_jpeg)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
