#pragma once
#include <cstdint>
#include <optional>

namespace camgate::media {

// A frame's capture time (unix ms) as a barcode in the picture, so a viewer can measure
// glass-to-glass latency from the decoded pixels alone: 16 x 4 square cells, white = 1,
// black = 0, read row by row: 1010 (start), the 48-bit time (most significant bit
// first), its CRC-8 (polynomial 0x07), 0101 (end). Cells are at least 8x8 pixels and
// aligned to 16, so H.264/VP8 macroblocks keep them flat. tests/js and bench read it
// with the same layout (bench/robot/g2g_viewer.mjs).
struct stamp_layout {
  int x = 0, y = 0;  // top-left of the first cell
  int cell = 8;      // cell side in pixels
  static constexpr int columns = 16, rows = 4;
  int width() const { return columns * cell; }
  int height() const { return rows * cell; }
};

// Where the stamp goes in a width x height picture: below the clock text, cell =
// max(8, height / 45) (16 at 720p, 8 at 360p). nullopt when the picture is too small.
std::optional<stamp_layout> stamp_layout_for(int width, int height);

// Draws `unix_ms` (low 48 bits) into an 8-bit luma plane.
void draw_stamp_luma(std::uint8_t* plane, int stride, const stamp_layout& at,
                     std::uint64_t unix_ms);
// Sets a chroma plane (half resolution, I420) to grey under the stamp, so the cells
// stay black and white after colour conversion.
void clear_stamp_chroma(std::uint8_t* plane, int stride, const stamp_layout& at);

// Reads the stamp back (the mean of each cell's centre, threshold 128); nullopt when the
// markers or the CRC do not match.
std::optional<std::uint64_t> read_stamp_luma(const std::uint8_t* plane, int stride,
                                             const stamp_layout& at);

}  // namespace camgate::media
