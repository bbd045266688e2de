#include "media/clock_overlay.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

namespace camgate::media {
namespace {

// 5x7 glyphs, one byte per row, bit 4 = leftmost column.
using glyph = std::array<std::uint8_t, 7>;
glyph glyph_for(char c) {
  switch (c) {
    case '0':
      return {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E};
    case '1':
      return {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E};
    case '2':
      return {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F};
    case '3':
      return {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E};
    case '4':
      return {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02};
    case '5':
      return {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E};
    case '6':
      return {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E};
    case '7':
      return {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08};
    case '8':
      return {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E};
    case '9':
      return {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C};
    case ':':
      return {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00};
    case '.':
      return {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C};
    case '-':
      return {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00};
    default:
      return {0, 0, 0, 0, 0, 0, 0};
  }
}

}  // namespace

int text_width(std::string_view text, int scale) {
  return (static_cast<int>(text.size()) * 6 + 1) * scale;
}

void draw_text_luma(std::uint8_t* plane, int stride, int width, int height, int x, int y, int scale,
                    std::string_view text) {
  if (!plane || scale <= 0) return;
  const int box_w = text_width(text, scale), box_h = text_height(scale);
  auto put = [&](int px, int py, std::uint8_t v) {
    if (px < 0 || py < 0 || px >= width || py >= height) return;
    plane[static_cast<std::size_t>(py) * stride + px] = v;
  };
  for (int py = y; py < y + box_h; ++py)
    for (int px = x; px < x + box_w; ++px) put(px, py, 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto g = glyph_for(text[i]);
    const int gx = x + (static_cast<int>(i) * 6 + 1) * scale;
    for (int row = 0; row < 7; ++row)
      for (int col = 0; col < 5; ++col) {
        if (!(g[row] & (0x10 >> col))) continue;
        for (int dy = 0; dy < scale; ++dy)
          for (int dx = 0; dx < scale; ++dx)
            put(gx + col * scale + dx, y + (row + 1) * scale + dy, 235);
      }
  }
}

std::string wall_clock_text() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  const long long day_ms = ms % 86'400'000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", day_ms / 3'600'000,
                (day_ms / 60'000) % 60, (day_ms / 1000) % 60, day_ms % 1000);
  return buf;
}

}  // namespace camgate::media
