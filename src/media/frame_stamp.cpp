#include "media/frame_stamp.hpp"

#include <algorithm>
#include <array>

#include "media/clock_overlay.hpp"

namespace camgate::media {
namespace {

constexpr int cells = stamp_layout::columns * stamp_layout::rows;
constexpr std::uint64_t mask48 = (std::uint64_t{1} << 48) - 1;

std::uint8_t crc8(std::uint64_t v) {
  std::uint8_t crc = 0;
  for (int byte = 5; byte >= 0; --byte) {
    crc ^= static_cast<std::uint8_t>(v >> (byte * 8));
    for (int i = 0; i < 8; ++i)
      crc = static_cast<std::uint8_t>((crc & 0x80) ? (crc << 1) ^ 0x07 : crc << 1);
  }
  return crc;
}

std::array<bool, cells> bits_of(std::uint64_t ms) {
  std::array<bool, cells> b{};
  const bool start[4] = {true, false, true, false}, end[4] = {false, true, false, true};
  const std::uint8_t crc = crc8(ms);
  for (int i = 0; i < 4; ++i) b[i] = start[i], b[60 + i] = end[i];
  for (int i = 0; i < 48; ++i) b[4 + i] = (ms >> (47 - i)) & 1;
  for (int i = 0; i < 8; ++i) b[52 + i] = (crc >> (7 - i)) & 1;
  return b;
}

int align16(int v) {
  return (v + 15) / 16 * 16;
}

}  // namespace

std::optional<stamp_layout> stamp_layout_for(int width, int height) {
  // The clock text sits at (2s, 2s), s = max(1, height / 180) (capture.cpp).
  const int s = std::max(1, height / 180);
  stamp_layout l;
  l.cell = std::max(8, height / 45);
  l.x = align16(2 * s);
  l.y = align16(4 * s + text_height(s));
  if (l.x + l.width() > width || l.y + l.height() > height) return std::nullopt;
  return l;
}

void draw_stamp_luma(std::uint8_t* plane, int stride, const stamp_layout& at,
                     std::uint64_t unix_ms) {
  const auto bits = bits_of(unix_ms & mask48);
  for (int i = 0; i < cells; ++i) {
    const int cx = at.x + (i % stamp_layout::columns) * at.cell;
    const int cy = at.y + (i / stamp_layout::columns) * at.cell;
    for (int y = cy; y < cy + at.cell; ++y)
      std::fill_n(plane + static_cast<std::size_t>(y) * stride + cx, at.cell,
                  bits[i] ? std::uint8_t{235} : std::uint8_t{16});
  }
}

void clear_stamp_chroma(std::uint8_t* plane, int stride, const stamp_layout& at) {
  for (int y = at.y / 2; y < (at.y + at.height()) / 2; ++y)
    std::fill_n(plane + static_cast<std::size_t>(y) * stride + at.x / 2, at.width() / 2,
                std::uint8_t{128});
}

std::optional<std::uint64_t> read_stamp_luma(const std::uint8_t* plane, int stride,
                                             const stamp_layout& at) {
  std::array<bool, cells> b{};
  // The centre half of each cell: its edges blur into the neighbours.
  const int q = at.cell / 4;
  for (int i = 0; i < cells; ++i) {
    const int cx = at.x + (i % stamp_layout::columns) * at.cell;
    const int cy = at.y + (i / stamp_layout::columns) * at.cell;
    int sum = 0, n = 0;
    for (int y = cy + q; y < cy + at.cell - q; ++y)
      for (int x = cx + q; x < cx + at.cell - q; ++x, ++n)
        sum += plane[static_cast<std::size_t>(y) * stride + x];
    b[i] = sum > 128 * n;
  }
  std::uint64_t ms = 0;
  std::uint8_t crc = 0;
  for (int i = 0; i < 48; ++i) ms = (ms << 1) | b[4 + i];
  for (int i = 0; i < 8; ++i) crc = static_cast<std::uint8_t>((crc << 1) | b[52 + i]);
  if (bits_of(ms) != b || crc8(ms) != crc) return std::nullopt;
  return ms;
}

}  // namespace camgate::media
