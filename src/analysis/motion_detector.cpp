#include "analysis/motion_detector.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace camgate::analysis {

nlohmann::json motion_detector::analyze(const luma_plane& p, const motion_mask& mask,
                                        double threshold, double cell_threshold) {
  const bool comparable = p.width == width_ && p.height == height_ && !previous_.empty();
  const int cols = std::max(1, p.width / cell), rows = std::max(1, p.height / cell);
  int considered = 0, moved = 0;
  int min_c = cols, min_r = rows, max_c = -1, max_r = -1;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const double cx = (c + 0.5) / cols, cy = (r + 0.5) / rows;
      if (!mask.only.empty() && std::none_of(mask.only.begin(), mask.only.end(),
                                             [&](const zone& z) { return z.contains(cx, cy); }))
        continue;
      if (std::any_of(mask.ignore.begin(), mask.ignore.end(),
                      [&](const zone& z) { return z.contains(cx, cy); }))
        continue;
      ++considered;
      if (!comparable) continue;
      const int x0 = c * cell, y0 = r * cell;
      const int x1 = std::min(p.width, x0 + cell), y1 = std::min(p.height, y0 + cell);
      long diff = 0;
      for (int y = y0; y < y1; ++y) {
        const auto* now = &p.pixels[static_cast<std::size_t>(y) * p.width];
        const auto* before = &previous_[static_cast<std::size_t>(y) * p.width];
        for (int x = x0; x < x1; ++x) diff += std::abs(int(now[x]) - int(before[x]));
      }
      const long area = static_cast<long>(x1 - x0) * (y1 - y0);
      if (area > 0 && static_cast<double>(diff) / static_cast<double>(area) > cell_threshold) {
        ++moved;
        min_c = std::min(min_c, c);
        max_c = std::max(max_c, c);
        min_r = std::min(min_r, r);
        max_r = std::max(max_r, r);
      }
    }
  }
  previous_ = p.pixels;
  width_ = p.width;
  height_ = p.height;
  const double score = considered > 0 ? static_cast<double>(moved) / considered : 0.0;
  nlohmann::json out = {{"score", std::round(score * 1000.0) / 1000.0},
                        {"motion", comparable && moved > 0 && score >= threshold},
                        {"moved_cells", moved},
                        {"cells", considered}};
  // Where it moved, for the page to draw: the cells' bounding box in shares.
  if (max_c >= 0)
    out["box"] = {static_cast<double>(min_c) / cols, static_cast<double>(min_r) / rows,
                  static_cast<double>(max_c - min_c + 1) / cols,
                  static_cast<double>(max_r - min_r + 1) / rows};
  return out;
}

}  // namespace camgate::analysis
