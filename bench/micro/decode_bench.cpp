// What one frame costs on each side of a WebSocket, measured on a real camsim frame
// (1280x720, quality 80): the viewer finding the capture time, the gateway encoding
// the data URL once per frame, and the simulated camera drawing + encoding it.
#include <benchmark/benchmark.h>

#include <string>

#include "camsim/frame_generator.hpp"
#include "core/base64.hpp"
#include "core/jpeg_markers.hpp"

namespace {

using namespace camgate;

const core::frame_ptr& sample_frame() {
  static camsim::frame_generator gen;
  static const core::frame_ptr f = gen.render({1280, 720, 80}, 42);
  return f;
}

std::string_view base64_part(const std::string& data_url) {
  return std::string_view(data_url).substr(data_url.find(',') + 1);
}

// ws-binary: the timestamp is in the first segment of the message as received.
void binary_scan(benchmark::State& state) {
  const auto& f = sample_frame();
  for (auto _ : state) benchmark::DoNotOptimize(core::jpeg::scan(f->bytes()).capture_us);
}
BENCHMARK(binary_scan);

// ws-text, what camgate-viewers does by default: decode 256 symbols, scan those.
void text_prefix_decode(benchmark::State& state) {
  const auto& f = sample_frame();
  const auto b64 = base64_part(f->data_url());
  for (auto _ : state) {
    auto head = core::base64_decode(b64.substr(0, 256));
    benchmark::DoNotOptimize(core::jpeg::scan(*head).capture_us);
  }
}
BENCHMARK(text_prefix_decode);

// ws-text, what a browser does: decode everything, then look.
void text_full_decode(benchmark::State& state) {
  const auto& f = sample_frame();
  const auto b64 = base64_part(f->data_url());
  for (auto _ : state) {
    auto all = core::base64_decode(b64);
    benchmark::DoNotOptimize(core::jpeg::scan(*all).capture_us);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b64.size()));
}
BENCHMARK(text_full_decode);

// The gateway's side of ws-text: one base64 encode per frame, shared by all viewers.
void gateway_data_url_encode(benchmark::State& state) {
  const auto& f = sample_frame();
  std::string out;
  for (auto _ : state) {
    out.clear();
    core::base64_append(out, f->bytes());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f->size()));
}
BENCHMARK(gateway_data_url_encode);

// The simulated camera: draw the test pattern and JPEG-encode it (30 times a second).
void camsim_render(benchmark::State& state) {
  camsim::frame_generator gen;
  std::uint64_t seq = 0;
  for (auto _ : state) benchmark::DoNotOptimize(gen.render({1280, 720, 80}, ++seq));
  state.counters["jpeg_bytes"] = static_cast<double>(gen.render({1280, 720, 80}, 1)->size());
}
BENCHMARK(camsim_render)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
