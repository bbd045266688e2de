#include "core/jpeg_markers.hpp"

#include <gtest/gtest.h>

#include "core/frame.hpp"

using namespace camgate::core;

namespace {
// A structurally valid minimal JPEG: SOI, SOF0 (height 480, width 640), EOI.
std::vector<std::uint8_t> tiny_jpeg() {
  return {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01, 0xE0, 0x02, 0x80,
          0x01, 0x01, 0x11, 0x00, 0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9};
}
}  // namespace

TEST(JpegMarkers, CompleteLengthNeedsSoiAndEoi) {
  auto j = tiny_jpeg();
  EXPECT_EQ(jpeg::complete_length(j), j.size());
  auto truncated = j;
  truncated.pop_back();
  EXPECT_FALSE(jpeg::complete_length(truncated));
  auto no_soi = j;
  no_soi[1] = 0x00;
  EXPECT_FALSE(jpeg::complete_length(no_soi));
}

TEST(JpegMarkers, TrailingPaddingIsTrimmed) {
  auto j = tiny_jpeg();
  const auto n = j.size();
  j.insert(j.end(), {'\r', '\n', 0, 0});
  EXPECT_EQ(jpeg::complete_length(j), n);
}

TEST(JpegMarkers, ScanReadsSizeAndTimestampComment) {
  auto j = jpeg::with_comment(tiny_jpeg(), jpeg::timestamp_comment(1700000000123456, 42));
  auto info = jpeg::scan(j);
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 480);
  ASSERT_TRUE(info.capture_us);
  EXPECT_EQ(*info.capture_us, 1700000000123456);
  ASSERT_TRUE(info.seq);
  EXPECT_EQ(*info.seq, 42u);
  EXPECT_EQ(jpeg::complete_length(j), j.size());
}

TEST(JpegMarkers, ScanSurvivesTruncatedSegments) {
  auto j = tiny_jpeg();
  for (std::size_t n = 0; n < j.size(); ++n) {
    auto info = jpeg::scan(std::span(j.data(), n));
    EXPECT_LE(info.width, 640);
  }
}

TEST(Frame, DataUrlIsComputedOnceAndCorrect) {
  auto f = make_frame({0xFF, 0xD8, 0xFF, 0xD9}, 1, 5);
  EXPECT_EQ(f->data_url(), "data:image/jpeg;base64,/9j/2Q==");
  EXPECT_EQ(&f->data_url(), &f->data_url());
  EXPECT_EQ(f->capture_us(), 5);
  EXPECT_FALSE(f->has_camera_timestamp());
}
