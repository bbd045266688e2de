#include "analysis/picture_measures.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace camgate::analysis {
namespace {

double round3(double v) {
  return std::round(v * 1000.0) / 1000.0;
}

}  // namespace

nlohmann::json measure_exposure(const luma_plane& p) {
  std::array<std::uint64_t, 8> bins{};
  std::uint64_t sum = 0, dark = 0, bright = 0;
  for (auto v : p.pixels) {
    ++bins[v >> 5];
    sum += v;
    dark += v < 16;
    bright += v > 235;
  }
  const double n = p.pixels.empty() ? 1.0 : static_cast<double>(p.pixels.size());
  const double mean = static_cast<double>(sum) / n;
  nlohmann::json hist = nlohmann::json::array();
  for (auto b : bins) hist.push_back(round3(static_cast<double>(b) / n));
  const double dark_share = static_cast<double>(dark) / n;
  const double bright_share = static_cast<double>(bright) / n;
  std::string verdict = "ok";
  if (mean < 40 || dark_share > 0.5) verdict = "under";
  if (mean > 215 || bright_share > 0.5) verdict = "over";
  return {{"mean", round3(mean)},
          {"dark", round3(dark_share)},
          {"bright", round3(bright_share)},
          {"histogram", hist},
          {"verdict", verdict}};
}

nlohmann::json measure_sharpness(const luma_plane& p, double threshold) {
  double sum = 0, sum_sq = 0;
  std::size_t n = 0;
  for (int y = 1; y + 1 < p.height; ++y) {
    for (int x = 1; x + 1 < p.width; ++x) {
      const double lap =
          p.at(x, y - 1) + p.at(x, y + 1) + p.at(x - 1, y) + p.at(x + 1, y) - 4.0 * p.at(x, y);
      sum += lap;
      sum_sq += lap * lap;
      ++n;
    }
  }
  double variance = 0;
  if (n > 0) {
    const double mean = sum / static_cast<double>(n);
    variance = sum_sq / static_cast<double>(n) - mean * mean;
  }
  return {{"variance", round3(variance)}, {"blurred", variance < threshold}};
}

nlohmann::json measure_black(const luma_plane& p, double black_luma) {
  double sum = 0, sum_sq = 0;
  for (auto v : p.pixels) {
    sum += v;
    sum_sq += static_cast<double>(v) * v;
  }
  const double n = p.pixels.empty() ? 1.0 : static_cast<double>(p.pixels.size());
  const double mean = sum / n;
  const double stddev = std::sqrt(std::max(0.0, sum_sq / n - mean * mean));
  return {{"mean", round3(mean)},
          {"stddev", round3(stddev)},
          {"black", mean < black_luma && stddev < 10}};
}

}  // namespace camgate::analysis
