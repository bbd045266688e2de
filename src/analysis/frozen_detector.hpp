#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/luma_plane.hpp"

namespace camgate::analysis {

// A frozen picture: the camera still answers but its picture stopped changing (a hung
// sensor sending the same JPEG, a stalled stream sending nothing). Two pictures are the
// same when their luma differs by under half a grey level on average, which real
// sensor noise always exceeds. Frozen once the picture has not changed for `after_us`.
// Not thread-safe: one per camera.
class frozen_detector {
 public:
  // A new picture at `now_us`.
  nlohmann::json picture(const luma_plane& p, std::int64_t now_us, std::int64_t after_us);
  // No new picture since the last call.
  nlohmann::json no_picture(std::int64_t now_us, std::int64_t after_us);

 private:
  nlohmann::json verdict(std::int64_t now_us, std::int64_t after_us, bool fresh) const;

  std::vector<std::uint8_t> previous_;
  int width_ = 0;
  int height_ = 0;
  std::optional<std::int64_t> changed_at_us_;  // the last time the picture changed
};

}  // namespace camgate::analysis
