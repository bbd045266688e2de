#include "camsim/frame_generator.hpp"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cstdio>

#include "camsim/test_pattern.hpp"
#include "core/clock.hpp"
#include "core/jpeg_markers.hpp"

using namespace camgate;
using camsim::test_pattern;
using camsim::yuv420_image;

namespace {

yuv420_image draw(int w, int h, std::uint64_t n) {
  yuv420_image img;
  img.resize(w, h);
  test_pattern().draw(img, n);
  return img;
}

bool same_outside(const yuv420_image& a, const yuv420_image& b, test_pattern::rect r) {
  for (int y = 0; y < a.height; ++y) {
    for (int x = 0; x < a.width; ++x) {
      const bool inside = x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
      const auto i = static_cast<std::size_t>(y) * a.luma_stride() + x;
      if (!inside && a.y[i] != b.y[i]) return false;
    }
  }
  return true;
}

struct decoded {
  int width = 0, height = 0;
  std::vector<unsigned char> gray;
};

std::optional<decoded> decode(std::span<const std::uint8_t> jpeg) {
  tjhandle h = tjInitDecompress();
  decoded d;
  int subsamp = 0, colorspace = 0;
  auto* data = const_cast<unsigned char*>(jpeg.data());
  bool ok =
      tjDecompressHeader3(h, data, jpeg.size(), &d.width, &d.height, &subsamp, &colorspace) == 0;
  if (ok) {
    d.gray.resize(static_cast<std::size_t>(d.width) * d.height);
    ok =
        tjDecompress2(h, data, jpeg.size(), d.gray.data(), d.width, 0, d.height, TJPF_GRAY, 0) == 0;
  }
  tjDestroy(h);
  if (!ok) return std::nullopt;
  return d;
}

}  // namespace

TEST(TestPattern, DifferentNumbersDrawDifferentPictures) {
  const auto a = draw(320, 240, 7), b = draw(320, 240, 8);
  EXPECT_NE(a.y, b.y);
  EXPECT_EQ(a.y, draw(320, 240, 7).y);  // deterministic
}

TEST(TestPattern, OnlyTheDigitsTellApartFramesOnePeriodApart) {
  const std::uint64_t n = 5;
  const auto a = draw(320, 240, n), b = draw(320, 240, n + test_pattern::kMotionPeriod);
  EXPECT_NE(a.y, b.y);  // 5 vs 125: the digits differ...
  auto box = test_pattern::digit_box(320, 240, n + test_pattern::kMotionPeriod);
  EXPECT_TRUE(same_outside(a, b, box));  // ...and nothing else does
  EXPECT_GT(box.height, 240 / 4);        // large digits
}

TEST(TestPattern, DigitsAreInkOnPaperInTheBox) {
  const auto img = draw(640, 480, 8);  // an 8 lights all seven segments
  const auto box = test_pattern::digit_box(640, 480, 8);
  int ink = 0, paper = 0;
  for (int y = box.y; y < box.y + box.height; ++y) {
    for (int x = box.x; x < box.x + box.width; ++x) {
      const auto v = img.y[y * 640 + x];
      ink += v == 235;
      paper += v == 16;
    }
  }
  EXPECT_GT(ink, box.width * box.height / 10);
  EXPECT_GT(paper, box.width * box.height / 3);
  EXPECT_EQ(ink + paper, box.width * box.height);
}

TEST(TestPattern, LongNumbersFitSmallPictures) {
  const auto box = test_pattern::digit_box(96, 96, 123456789012ull);
  EXPECT_LE(box.x + box.width, 96);
  const auto img = draw(96, 96, 123456789012ull);  // must not write out of bounds
  EXPECT_EQ(img.y.size(), 96u * 96u);
  const auto odd = draw(101, 37, 5);  // luma padded to even sizes for TurboJPEG
  EXPECT_EQ(odd.y.size(), 102u * 38u);
  EXPECT_EQ(odd.u.size(), 51u * 19u);
}

TEST(FrameGenerator, JpegDecodesAtTheRequestedSizeAndCarriesTheStamp) {
  camsim::frame_generator gen;
  const auto before = core::unix_micros();
  const auto f = gen.render({640, 360, 75}, 42);
  const auto after = core::unix_micros();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->seq(), 42u);
  EXPECT_EQ(f->width(), 640);
  EXPECT_EQ(f->height(), 360);
  EXPECT_TRUE(f->has_camera_timestamp());

  const auto info = core::jpeg::scan(f->bytes());
  ASSERT_TRUE(info.capture_us);
  ASSERT_TRUE(info.seq);
  EXPECT_EQ(*info.seq, 42u);
  EXPECT_GE(*info.capture_us, before);
  EXPECT_LE(*info.capture_us, after);
  EXPECT_EQ(core::jpeg::complete_length(f->bytes()), f->size());
  // The comment sits right after SOI.
  EXPECT_EQ(f->bytes()[2], 0xFF);
  EXPECT_EQ(f->bytes()[3], 0xFE);

  const auto d = decode(f->bytes());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->width, 640);
  EXPECT_EQ(d->height, 360);
  // The digit box is dark and the first bar light, in the decoded picture too.
  const auto box = test_pattern::digit_box(640, 360, 42);
  EXPECT_LT(d->gray[(box.y + 2) * 640 + box.x + 2], 40);
  EXPECT_GT(d->gray[(360 / 3) * 640 + 639], 0);
}

TEST(FrameGenerator, OddSizesAndQualityWork) {
  camsim::frame_generator gen;
  const auto small = gen.render({101, 37, 10}, 1);
  const auto big = gen.render({101, 37, 95}, 1);
  ASSERT_TRUE(decode(small->bytes()));
  EXPECT_EQ(decode(small->bytes())->width, 101);
  EXPECT_EQ(decode(small->bytes())->height, 37);
  EXPECT_LT(small->size(), big->size());
}

TEST(FrameGenerator, EncodesHdFramesQuickly) {
  camsim::frame_generator gen;
  gen.render({1280, 720, 80}, 0);  // warm-up: buffers are allocated once
  constexpr int kFrames = 20;
  std::int64_t encode_total = 0, render_total = 0, bytes = 0;
  for (int i = 1; i <= kFrames; ++i) {
    const auto f = gen.render({1280, 720, 80}, i);
    encode_total += gen.last_encode_us();
    render_total += gen.last_render_us();
    bytes += static_cast<std::int64_t>(f->size());
  }
  const auto encode_avg = encode_total / kFrames, render_avg = render_total / kFrames;
  std::printf(
      "[ camsim  ] 1280x720 q80: encode %lld us, draw+encode %lld us, %lld bytes per frame\n",
      static_cast<long long>(encode_avg), static_cast<long long>(render_avg),
      static_cast<long long>(bytes / kFrames));
  RecordProperty("encode_us_1280x720", static_cast<int>(encode_avg));
  RecordProperty("render_us_1280x720", static_cast<int>(render_avg));
  EXPECT_GT(encode_avg, 0);
  // 30 fps leaves 33 ms per frame; sanitizer builds are several times slower.
  EXPECT_LT(render_avg, 33000);
  EXPECT_GT(bytes / kFrames, 20000);  // a picture with some texture, not flat colour
}
