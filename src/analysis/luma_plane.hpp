#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace camgate::analysis {

// A picture's brightness only, scaled down: what every built-in analyzer reads. libjpeg-
// turbo scales in the DCT, so a 1280x720 JPEG decodes to 320x180 grey in a fraction of
// a full colour decode.
struct luma_plane {
  int width = 0;
  int height = 0;
  int source_width = 0;  // the JPEG's own size
  int source_height = 0;
  std::vector<std::uint8_t> pixels;  // width * height, row after row

  std::uint8_t at(int x, int y) const {
    return pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                  static_cast<std::size_t>(x)];
  }
};

// Decodes `jpeg` to grey at the largest libjpeg-turbo scale whose width is at least
// `min_width` (or the full size for smaller pictures). nullopt and `error` for a JPEG
// that does not decode.
std::optional<luma_plane> decode_luma(std::span<const std::uint8_t> jpeg, std::string* error,
                                      int min_width = 320);

}  // namespace camgate::analysis
