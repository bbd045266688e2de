#pragma once
#include <cstdint>
#include <vector>

namespace camgate::camsim {

// A picture as the JPEG encoder wants it: full-resolution luma and quarter-size
// chroma planes (4:2:0), drawn into directly so no RGB conversion is ever needed.
struct yuv420_image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> y;
  std::vector<std::uint8_t> u;
  std::vector<std::uint8_t> v;

  int chroma_width() const { return (width + 1) / 2; }
  int chroma_height() const { return (height + 1) / 2; }

  void resize(int w, int h) {
    if (w == width && h == height) return;
    width = w;
    height = h;
    y.assign(static_cast<std::size_t>(w) * h, 0);
    const auto chroma = static_cast<std::size_t>(chroma_width()) * chroma_height();
    u.assign(chroma, 128);
    v.assign(chroma, 128);
  }
};

}  // namespace camgate::camsim
