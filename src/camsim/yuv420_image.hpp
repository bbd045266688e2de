#pragma once
#include <cstdint>
#include <vector>

namespace camgate::camsim {

// A picture as the JPEG encoder wants it: full-resolution luma and quarter-size
// chroma planes (4:2:0), drawn into directly so no RGB conversion is ever needed.
// TurboJPEG reads the luma plane padded to even width and height (tjPlaneWidth), so
// odd sizes get one spare column or row.
struct yuv420_image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> y;
  std::vector<std::uint8_t> u;
  std::vector<std::uint8_t> v;

  int luma_stride() const { return (width + 1) & ~1; }
  int luma_rows() const { return (height + 1) & ~1; }
  int chroma_width() const { return luma_stride() / 2; }
  int chroma_height() const { return luma_rows() / 2; }

  void resize(int w, int h) {
    if (w == width && h == height) return;
    width = w;
    height = h;
    y.assign(static_cast<std::size_t>(luma_stride()) * luma_rows(), 16);
    const auto chroma = static_cast<std::size_t>(chroma_width()) * chroma_height();
    u.assign(chroma, 128);
    v.assign(chroma, 128);
  }
};

}  // namespace camgate::camsim
