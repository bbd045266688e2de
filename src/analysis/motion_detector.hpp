#pragma once
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/luma_plane.hpp"

namespace camgate::analysis {

// A part of the picture in shares of its size (0..1), so a mask survives a change of
// resolution.
struct zone {
  double x = 0, y = 0, width = 1, height = 1;
  bool contains(double px, double py) const {
    return px >= x && px < x + width && py >= y && py < y + height;
  }
};

struct motion_mask {
  std::vector<zone> only;    // when set, only cells inside one of these count
  std::vector<zone> ignore;  // cells inside these never count (a clock, a window, a fan)
};

// Motion between consecutive pictures: the picture is cut into 16x16 cells of its
// scaled-down luma; a cell moved when its mean absolute difference to the same cell of
// the previous picture exceeds `cell_threshold` grey levels (sensor noise and JPEG
// artefacts stay under it). The score is the share of moved cells among those the mask
// keeps; motion is a score at or over `threshold`. Not thread-safe: one per camera.
class motion_detector {
 public:
  static constexpr int cell = 16;

  // The first picture (and one of another size) has nothing to compare with: score 0.
  nlohmann::json analyze(const luma_plane& p, const motion_mask& mask, double threshold,
                         double cell_threshold = 10);

 private:
  std::vector<std::uint8_t> previous_;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace camgate::analysis
