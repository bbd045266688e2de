#include "analysis/luma_plane.hpp"

#include <turbojpeg.h>

#include <memory>

namespace camgate::analysis {
namespace {

struct tj_deleter {
  void operator()(void* h) const { tjDestroy(h); }
};

// One decompressor per worker thread: tjInitDecompress allocates, and a worker decodes
// a picture every few hundred milliseconds for as long as the gateway runs. After a
// broken JPEG it is replaced: libjpeg-turbo 2.1 leaves a handle that failed mid-decode
// failing the next pictures too (tests/unit/analysis).
std::unique_ptr<void, tj_deleter>& thread_handle() {
  thread_local std::unique_ptr<void, tj_deleter> handle;
  if (!handle) handle.reset(tjInitDecompress());
  return handle;
}

}  // namespace

std::optional<luma_plane> decode_luma(std::span<const std::uint8_t> jpeg, std::string* error,
                                      int min_width) {
  auto fail = [&](std::string msg) -> std::optional<luma_plane> {
    if (error) *error = std::move(msg);
    thread_handle().reset();
    return std::nullopt;
  };
  if (jpeg.empty()) return fail("empty frame");
  void* tj = thread_handle().get();
  if (!tj) return fail("cannot initialise the JPEG decoder");
  auto* data = const_cast<unsigned char*>(jpeg.data());
  const auto size = static_cast<unsigned long>(jpeg.size());
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, data, size, &width, &height, &subsamp, &colorspace) != 0)
    return fail(std::string("not a JPEG: ") + tjGetErrorStr2(tj));
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    return fail("unsupported picture size");
  // The scaling factors come largest first (2/1 ... 1/8): keep the last that still gives
  // min_width, never one that enlarges.
  int count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&count);
  tjscalingfactor best{1, 1};
  for (int i = 0; i < count; ++i) {
    const auto& f = factors[i];
    if (f.num > f.denom) continue;
    if (TJSCALED(width, f) >= min_width && TJSCALED(width, f) < TJSCALED(width, best)) best = f;
  }
  luma_plane p;
  p.source_width = width;
  p.source_height = height;
  p.width = TJSCALED(width, best);
  p.height = TJSCALED(height, best);
  p.pixels.resize(static_cast<std::size_t>(p.width) * static_cast<std::size_t>(p.height));
  if (tjDecompress2(tj, data, size, p.pixels.data(), p.width, 0, p.height, TJPF_GRAY,
                    TJFLAG_FASTDCT) != 0 &&
      tjGetErrorCode(tj) == TJERR_FATAL)
    return fail(std::string("broken JPEG: ") + tjGetErrorStr2(tj));
  return p;
}

}  // namespace camgate::analysis
