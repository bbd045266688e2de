#include "camsim/test_pattern.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace camgate::camsim {
namespace {

struct yuv {
  std::uint8_t y, u, v;
};

// 75% colour bars in BT.601 limited range: white, yellow, cyan, green, magenta, red,
// blue, black.
constexpr std::array<yuv, 8> kBars{{{180, 128, 128},
                                    {162, 44, 142},
                                    {131, 156, 44},
                                    {112, 72, 58},
                                    {84, 184, 198},
                                    {65, 100, 212},
                                    {35, 212, 114},
                                    {16, 128, 128}}};

// Seven-segment encoding (bit 0 = a ... bit 6 = g) of the digits 0-9.
constexpr std::array<std::uint8_t, 10> kSegments{0x3F, 0x06, 0x5B, 0x4F, 0x66,
                                                 0x6D, 0x7D, 0x07, 0x7F, 0x6F};

constexpr std::uint8_t kInk = 235;
constexpr std::uint8_t kPaper = 16;

void fill(std::uint8_t* plane, int stride, int plane_w, int plane_h, int x, int y, int w, int h,
          std::uint8_t value) {
  const int x0 = std::clamp(x, 0, plane_w), x1 = std::clamp(x + w, 0, plane_w);
  const int y0 = std::clamp(y, 0, plane_h), y1 = std::clamp(y + h, 0, plane_h);
  if (x1 <= x0) return;
  for (int r = y0; r < y1; ++r) std::memset(plane + r * stride + x0, value, x1 - x0);
}

struct digit_metrics {
  int height, width, thickness, gap, pad;
};

digit_metrics metrics_for(int width, int height, int digits) {
  const int margin = std::max(2, height / 24);
  int dh = std::max(height / 4, 10);
  for (;;) {
    const digit_metrics m{dh, dh / 2, std::max(dh / 8, 1), std::max(dh / 6, 1),
                          std::max(dh / 6, 1)};
    const int box_w = 2 * m.pad + digits * m.width + (digits - 1) * m.gap;
    if (box_w <= width - 2 * margin || dh <= 5) return m;
    dh = dh * 9 / 10;
  }
}

}  // namespace

test_pattern::rect test_pattern::digit_box(int width, int height, std::uint64_t number) {
  const int digits = static_cast<int>(std::to_string(number).size());
  const auto m = metrics_for(width, height, digits);
  const int margin = std::max(2, height / 24);
  return {margin, margin, 2 * m.pad + digits * m.width + (digits - 1) * m.gap,
          2 * m.pad + m.height};
}

void test_pattern::ensure_noise(int width, int rows) {
  if (width == noise_width_ && rows == noise_rows_) return;
  noise_width_ = width;
  noise_rows_ = rows;
  noise_.resize(static_cast<std::size_t>(width) * rows);
  std::uint32_t s = 0x9E3779B9u;  // fixed seed: the same size always gets the same texture
  for (auto& b : noise_) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    b = static_cast<std::uint8_t>(128 - 16 + (s >> 8) % 33);
  }
}

void test_pattern::draw(yuv420_image& img, std::uint64_t number, bool still) {
  const int w = img.width, h = img.height, ys = img.luma_stride();
  const int cw = img.chroma_width(), ch = img.chroma_height();
  if (w <= 0 || h <= 0) return;
  const auto phase = still ? 0 : static_cast<int>(number % kMotionPeriod);

  // Top two thirds: scrolling colour bars. Every row is the same, so build one row per
  // plane and copy it down.
  const int bars_h = std::max(2, h * 2 / 3) & ~1;
  const int shift = static_cast<int>(static_cast<std::int64_t>(phase) * w / kMotionPeriod);
  std::vector<std::uint8_t> row_y(w), row_u(cw), row_v(cw);
  for (int x = 0; x < w; ++x) {
    const auto& c = kBars[static_cast<std::size_t>((x + shift) % w) * 8 / w];
    row_y[x] = c.y;
    if ((x & 1) == 0) {
      row_u[x / 2] = c.u;
      row_v[x / 2] = c.v;
    }
  }
  const int bars_rows = std::min(bars_h, h);
  for (int r = 0; r < bars_rows; ++r) std::memcpy(&img.y[r * ys], row_y.data(), w);
  for (int r = 0; r < std::min(bars_rows / 2, ch); ++r) {
    std::memcpy(&img.u[r * cw], row_u.data(), cw);
    std::memcpy(&img.v[r * cw], row_v.data(), cw);
  }

  // Bottom third: a scrolling grey ramp with a grain texture, which gives the JPEG a
  // size closer to a real sensor's than flat colour would.
  const int grad_rows = h - bars_rows;
  if (grad_rows > 0) {
    ensure_noise(w, grad_rows);
    for (int x = 0; x < w; ++x)
      row_y[x] = static_cast<std::uint8_t>(16 + ((x + w - shift) % w) * 219 / w);
    const int noise_shift = phase * 7 % grad_rows;
    for (int r = 0; r < grad_rows; ++r) {
      const std::uint8_t* n = &noise_[static_cast<std::size_t>((r + noise_shift) % grad_rows) * w];
      std::uint8_t* out = &img.y[static_cast<std::size_t>(bars_rows + r) * ys];
      for (int x = 0; x < w; ++x) out[x] = static_cast<std::uint8_t>(row_y[x] + n[x] - 128);
    }
    for (int r = bars_rows / 2; r < ch; ++r) {
      std::memset(&img.u[r * cw], 128, cw);
      std::memset(&img.v[r * cw], 128, cw);
    }
  }

  // The frame number, white on a black box in the top-left corner.
  const std::string text = std::to_string(number);
  const auto m = metrics_for(w, h, static_cast<int>(text.size()));
  const auto box = digit_box(w, h, number);
  fill(img.y.data(), ys, w, h, box.x, box.y, box.width, box.height, kPaper);
  fill(img.u.data(), cw, cw, ch, box.x / 2, box.y / 2, (box.width + 1) / 2 + 1,
       (box.height + 1) / 2 + 1, 128);
  fill(img.v.data(), cw, cw, ch, box.x / 2, box.y / 2, (box.width + 1) / 2 + 1,
       (box.height + 1) / 2 + 1, 128);
  const int t = m.thickness, dw = m.width, dh = m.height, half = dh / 2;
  int x = box.x + m.pad;
  const int y = box.y + m.pad;
  for (char c : text) {
    const std::uint8_t seg = kSegments[c - '0'];
    auto seg_fill = [&](int bit, int sx, int sy, int sw, int sh) {
      if (seg & (1 << bit)) fill(img.y.data(), ys, w, h, sx, sy, sw, sh, kInk);
    };
    seg_fill(0, x + t, y, dw - 2 * t, t);                 // a
    seg_fill(1, x + dw - t, y + t, t, half - t);          // b
    seg_fill(2, x + dw - t, y + half, t, half - t);       // c
    seg_fill(3, x + t, y + dh - t, dw - 2 * t, t);        // d
    seg_fill(4, x, y + half, t, half - t);                // e
    seg_fill(5, x, y + t, t, half - t);                   // f
    seg_fill(6, x + t, y + half - t / 2, dw - 2 * t, t);  // g
    x += dw + m.gap;
  }
}

}  // namespace camgate::camsim
