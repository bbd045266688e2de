#include <gtest/gtest.h>

#include <vector>

#include "camsim/frame_generator.hpp"
#include "doctor/jpeg_check.hpp"

using namespace camgate::doctor;

namespace {

std::vector<std::uint8_t> real_jpeg(int w, int h) {
  camgate::camsim::frame_generator gen;
  const auto f = gen.render({w, h, 80, false}, 1);
  const auto b = f->bytes();
  return {b.begin(), b.end()};
}

}  // namespace

TEST(DoctorJpegCheck, RealPictureDecodes) {
  const auto j = real_jpeg(320, 240);
  const auto v = inspect_jpeg(j);
  EXPECT_TRUE(v.soi);
  EXPECT_TRUE(v.eoi);
  EXPECT_TRUE(v.decodes) << v.error;
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.width, 320);
  EXPECT_EQ(v.height, 240);
}

TEST(DoctorJpegCheck, TruncatedPictureFails) {
  auto j = real_jpeg(320, 240);
  j.resize(j.size() / 2);
  const auto v = inspect_jpeg(j);
  EXPECT_TRUE(v.soi);
  EXPECT_FALSE(v.eoi);
  EXPECT_FALSE(v.ok());
  EXPECT_NE(v.error.find("EOI"), std::string::npos) << v.error;
}

TEST(DoctorJpegCheck, MarkersAloneAreNotAPicture) {
  // SOI, junk, EOI: framed like a JPEG, but nothing to decode.
  std::vector<std::uint8_t> fake = {0xFF, 0xD8, 1, 2, 3, 4, 5, 0xFF, 0xD9};
  const auto v = inspect_jpeg(fake);
  EXPECT_TRUE(v.soi);
  EXPECT_TRUE(v.eoi);
  EXPECT_FALSE(v.decodes);
  EXPECT_FALSE(v.error.empty());
}

TEST(DoctorJpegCheck, NotAJpegAtAll) {
  const std::string html = "<html>404</html>";
  const auto v = inspect_jpeg({reinterpret_cast<const std::uint8_t*>(html.data()), html.size()});
  EXPECT_FALSE(v.soi);
  EXPECT_FALSE(v.ok());
  EXPECT_TRUE(inspect_jpeg({}).error.size() > 0);
}
