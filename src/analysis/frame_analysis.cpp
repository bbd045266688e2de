#include "analysis/frame_analysis.hpp"

#include <turbojpeg.h>

#include <chrono>
#include <memory>
#include <vector>

namespace camgate::analysis {
namespace {
struct tj_deleter {
  void operator()(void* h) const { tjDestroy(h); }
};
using tj_handle = std::unique_ptr<void, tj_deleter>;

// Laplacian variance over a subsampled luma grid: enough to tell sharp from blurred
// at a fraction of the cost of the whole picture.
double laplacian_variance(const std::vector<std::uint8_t>& y, int w, int h) {
  double sum = 0, sum_sq = 0;
  std::size_t n = 0;
  for (int row = 1; row + 1 < h; row += 2) {
    const auto* up = &y[static_cast<std::size_t>(row - 1) * w];
    const auto* mid = &y[static_cast<std::size_t>(row) * w];
    const auto* down = &y[static_cast<std::size_t>(row + 1) * w];
    for (int col = 1; col + 1 < w; col += 2) {
      const double lap = up[col] + down[col] + mid[col - 1] + mid[col + 1] - 4.0 * mid[col];
      sum += lap;
      sum_sq += lap * lap;
      ++n;
    }
  }
  if (n == 0) return 0;
  const double mean = sum / static_cast<double>(n);
  return sum_sq / static_cast<double>(n) - mean * mean;
}
}  // namespace

std::optional<frame_report> analyze_jpeg(std::span<const std::uint8_t> jpeg, std::string* error) {
  const auto start = std::chrono::steady_clock::now();
  auto fail = [&](std::string msg) -> std::optional<frame_report> {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  if (jpeg.empty()) return fail("empty frame");
  tj_handle tj(tjInitDecompress());
  if (!tj) return fail("cannot initialise the JPEG decoder");
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  auto* data = const_cast<unsigned char*>(jpeg.data());
  const auto size = static_cast<unsigned long>(jpeg.size());
  if (tjDecompressHeader3(tj.get(), data, size, &width, &height, &subsamp, &colorspace) != 0)
    return fail(std::string("not a JPEG: ") + tjGetErrorStr2(tj.get()));
  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    return fail("unsupported picture size");
  // Decode the full RGB picture: the shape the seed reports comes from a real decode,
  // and a frame that does not decode is reported as broken.
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * height * 3);
  if (tjDecompress2(tj.get(), data, size, rgb.data(), width, 0, height, TJPF_RGB, TJFLAG_FASTDCT) !=
          0 &&
      tjGetErrorCode(tj.get()) == TJERR_FATAL)
    return fail(std::string("broken JPEG: ") + tjGetErrorStr2(tj.get()));

  std::vector<std::uint8_t> luma(static_cast<std::size_t>(width) * height);
  double total = 0;
  for (std::size_t i = 0, p = 0; i < luma.size(); ++i, p += 3) {
    const int v = (77 * rgb[p] + 150 * rgb[p + 1] + 29 * rgb[p + 2]) >> 8;
    luma[i] = static_cast<std::uint8_t>(v);
    total += v;
  }
  frame_report r;
  r.height = height;
  r.width = width;
  r.channels = 3;
  r.mean_luma = total / static_cast<double>(luma.size());
  r.sharpness = laplacian_variance(luma, width, height);
  r.decode_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace camgate::analysis
