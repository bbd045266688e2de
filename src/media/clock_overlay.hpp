#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace camgate::media {

// Draws `text` (digits, ':', '.', '-', ' ') in white on a black box into an 8-bit luma
// plane, top-left at (x, y), each font pixel `scale` x `scale` pixels. Clipped to the
// plane. Used for the test source's running clock when clockoverlay (pango) is absent.
void draw_text_luma(std::uint8_t* plane, int stride, int width, int height, int x, int y, int scale,
                    std::string_view text);

// "HH:MM:SS.mmm" of the wall clock (UTC), for the overlay.
std::string wall_clock_text();

// Width in pixels of `text` drawn at `scale` (box included).
int text_width(std::string_view text, int scale);
inline int text_height(int scale) {
  return 9 * scale;
}

}  // namespace camgate::media
