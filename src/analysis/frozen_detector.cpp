#include "analysis/frozen_detector.hpp"

#include <cstdlib>

namespace camgate::analysis {

nlohmann::json frozen_detector::picture(const luma_plane& p, std::int64_t now_us,
                                        std::int64_t after_us) {
  bool same = false;
  if (p.width == width_ && p.height == height_ && !previous_.empty()) {
    // Every 4th pixel is plenty to tell noise from none.
    std::uint64_t diff = 0, n = 0;
    for (std::size_t i = 0; i < p.pixels.size(); i += 4, ++n)
      diff += static_cast<std::uint64_t>(std::abs(int(p.pixels[i]) - int(previous_[i])));
    same = n > 0 && static_cast<double>(diff) / static_cast<double>(n) < 0.5;
  }
  if (!same || !changed_at_us_) changed_at_us_ = now_us;
  previous_ = p.pixels;
  width_ = p.width;
  height_ = p.height;
  return verdict(now_us, after_us, true);
}

nlohmann::json frozen_detector::no_picture(std::int64_t now_us, std::int64_t after_us) {
  if (!changed_at_us_) changed_at_us_ = now_us;
  return verdict(now_us, after_us, false);
}

nlohmann::json frozen_detector::verdict(std::int64_t now_us, std::int64_t after_us,
                                        bool fresh) const {
  const auto still_us = now_us - *changed_at_us_;
  return {
      {"frozen", still_us >= after_us}, {"unchanged_ms", still_us / 1000}, {"new_picture", fresh}};
}

}  // namespace camgate::analysis
