#include "media/clock_overlay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <vector>

using namespace camgate::media;

TEST(clock_overlay, draws_white_digits_on_a_black_box) {
  const int w = 200, h = 40, stride = 208;
  std::vector<std::uint8_t> plane(stride * h, 128);
  draw_text_luma(plane.data(), stride, w, h, 2, 2, 2, "12:34");
  const int box_w = text_width("12:34", 2), box_h = text_height(2);
  EXPECT_EQ(box_w, 62);
  int white = 0, black = 0;
  for (int y = 2; y < 2 + box_h; ++y)
    for (int x = 2; x < 2 + box_w; ++x) {
      white += plane[y * stride + x] == 235;
      black += plane[y * stride + x] == 16;
    }
  EXPECT_GT(white, 50);
  EXPECT_GT(black, white);
  EXPECT_EQ(plane[0], 128);  // outside the box untouched
  EXPECT_EQ(plane[20 * stride + 150], 128);
}

TEST(clock_overlay, clips_at_the_plane_edges) {
  const int w = 16, h = 8;
  std::vector<std::uint8_t> plane(w * h + 64, 7);
  draw_text_luma(plane.data(), w, w, h, 10, 4, 3, "00:00:00.000");
  for (std::size_t i = w * h; i < plane.size(); ++i) ASSERT_EQ(plane[i], 7);
}

TEST(clock_overlay, wall_clock_text_shape) {
  EXPECT_TRUE(std::regex_match(wall_clock_text(), std::regex(R"(\d\d:\d\d:\d\d\.\d\d\d)")));
}
