#pragma once
#include <cstdint>
#include <vector>

#include "camsim/yuv420_image.hpp"

namespace camgate::camsim {

// The simulated sensor picture: colour bars and a noisy gradient that scroll with the
// frame number, and the number itself in large seven-segment digits, so a viewer (or a
// test) can see at a glance which frame it got and whether the picture moves.
class test_pattern {
 public:
  // The background repeats every kMotionPeriod frames; only the digits tell n and
  // n + kMotionPeriod apart.
  static constexpr std::uint64_t kMotionPeriod = 120;

  struct rect {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
  };

  // Draws frame `number` into `img` (which must already have its size). `still`: the
  // background of frame 0, so only the digits change (a still scene, for motion tests).
  void draw(yuv420_image& img, std::uint64_t number, bool still = false);

  // Where the digits of `number` are drawn in a picture of this size.
  static rect digit_box(int width, int height, std::uint64_t number);

 private:
  void ensure_noise(int width, int rows);

  std::vector<std::uint8_t> noise_;  // signed noise around 128, reused between frames
  int noise_width_ = 0;
  int noise_rows_ = 0;
};

}  // namespace camgate::camsim
