#include "outputs/mjpeg_part.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace camgate::outputs {
namespace {

core::frame_ptr jpeg_frame(std::size_t size, std::uint64_t seq, std::int64_t received_us) {
  std::vector<std::uint8_t> jpeg(size, 0x11);
  jpeg[0] = 0xff, jpeg[1] = 0xd8, jpeg[size - 2] = 0xff, jpeg[size - 1] = 0xd9;
  return core::make_frame(std::move(jpeg), seq, received_us);
}

TEST(mjpeg_part, HeaderNamesSizeTimeAndSequence) {
  const auto f = jpeg_frame(1000, 42, 1700000000012345);
  EXPECT_EQ(mjpeg_part_header(*f),
            "--camgateframe\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n"
            "X-Timestamp: 1700000000.012345\r\nX-Frame-Seq: 42\r\n\r\n");
}

TEST(mjpeg_part, PagesHoldTheWholePartOncePerFrame) {
  const auto f = jpeg_frame(90 * 1024, 7, 1700000000000001);
  const auto& pages = mjpeg_part_pages(*f);
  ASSERT_TRUE(pages);
  const std::string jpeg(reinterpret_cast<const char*>(f->bytes().data()), f->size());
  const auto expected = mjpeg_part_header(*f) + jpeg + "\r\n";
  ASSERT_EQ(pages->size(), expected.size());
  std::string got(pages->size(), '\0');
  ASSERT_EQ(::pread(pages->fd(), got.data(), got.size(), 0), static_cast<ssize_t>(got.size()));
  EXPECT_EQ(got, expected);
  // Every viewer gets the same pages: one memfd per frame, not per viewer.
  EXPECT_EQ(mjpeg_part_pages(*f).get(), pages.get());
  EXPECT_NE(mjpeg_part_pages(*jpeg_frame(100, 8, 1)).get(), pages.get());
}

}  // namespace
}  // namespace camgate::outputs
