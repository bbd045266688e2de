#include "media/frame_stamp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

using namespace camgate::media;

namespace {

struct luma {
  int w, h, stride;
  std::vector<std::uint8_t> px;
  luma(int w_, int h_)
      : w(w_), h(h_), stride(w_ + 32), px(static_cast<std::size_t>(stride) * h, 90) {}
};

}  // namespace

TEST(frame_stamp, layout_sits_below_the_clock_and_scales_with_the_picture) {
  auto hd = stamp_layout_for(1280, 720);
  ASSERT_TRUE(hd);
  EXPECT_EQ(hd->cell, 16);
  EXPECT_EQ(hd->x, 16);
  EXPECT_EQ(hd->y, 64);
  auto sd = stamp_layout_for(640, 360);
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->cell, 8);
  EXPECT_EQ(sd->y % 16, 0);
  EXPECT_TRUE(stamp_layout_for(320, 180));
  EXPECT_FALSE(stamp_layout_for(96, 40));  // too small for 16 x 4 cells of 8 pixels
}

TEST(frame_stamp, round_trips_a_unix_time) {
  for (auto [w, h] : {std::pair{1280, 720}, {640, 360}, {320, 180}}) {
    luma p(w, h);
    const auto at = *stamp_layout_for(w, h);
    for (std::uint64_t ms : {std::uint64_t{1'700'000'123'456}, std::uint64_t{0},
                             (std::uint64_t{1} << 48) - 1, std::uint64_t{1'234'567'890'123}}) {
      draw_stamp_luma(p.px.data(), p.stride, at, ms);
      EXPECT_EQ(read_stamp_luma(p.px.data(), p.stride, at), ms) << w << "x" << h;
    }
    EXPECT_EQ(p.px[0], 90);  // nothing drawn outside the cells
    EXPECT_EQ(p.px[static_cast<std::size_t>(at.y + at.height()) * p.stride + at.x], 90);
  }
}

TEST(frame_stamp, survives_noise_and_blurred_edges_like_a_lossy_codec_leaves) {
  luma p(640, 360);
  const auto at = *stamp_layout_for(640, 360);
  const std::uint64_t ms = 1'712'345'678'901;
  draw_stamp_luma(p.px.data(), p.stride, at, ms);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> noise(-60, 60);
  for (auto& v : p.px) v = static_cast<std::uint8_t>(std::clamp(v + noise(rng), 0, 255));
  // Smear every cell's outer ring halfway to grey, as ringing at block edges would.
  for (int y = at.y; y < at.y + at.height(); ++y)
    for (int x = at.x; x < at.x + at.width(); ++x)
      if ((x - at.x) % at.cell < 2 || (y - at.y) % at.cell < 2) p.px[y * p.stride + x] = 128;
  EXPECT_EQ(read_stamp_luma(p.px.data(), p.stride, at), ms);
}

TEST(frame_stamp, refuses_a_damaged_or_missing_stamp) {
  luma p(640, 360);
  const auto at = *stamp_layout_for(640, 360);
  EXPECT_FALSE(read_stamp_luma(p.px.data(), p.stride, at));  // plain picture
  draw_stamp_luma(p.px.data(), p.stride, at, 1'700'000'000'000);
  // Flip one time bit's cell (cell 20: row 1, column 4): the CRC no longer matches.
  const int cx = at.x + 4 * at.cell, cy = at.y + at.cell;
  const bool white = p.px[(cy + at.cell / 2) * p.stride + cx + at.cell / 2] > 128;
  for (int y = cy; y < cy + at.cell; ++y)
    for (int x = cx; x < cx + at.cell; ++x) p.px[y * p.stride + x] = white ? 16 : 235;
  EXPECT_FALSE(read_stamp_luma(p.px.data(), p.stride, at));
}

TEST(frame_stamp, clears_the_chroma_under_the_cells_only) {
  const auto at = *stamp_layout_for(640, 360);
  const int stride = 320;
  std::vector<std::uint8_t> u(static_cast<std::size_t>(stride) * 180, 200);
  clear_stamp_chroma(u.data(), stride, at);
  EXPECT_EQ(u[(at.y / 2 + 1) * stride + at.x / 2 + 1], 128);
  EXPECT_EQ(u[(at.y / 2 + at.height() / 2) * stride + at.x / 2], 200);
  EXPECT_EQ(u[(at.y / 2) * stride + at.x / 2 + at.width() / 2], 200);
}
