#include "outputs/websocket_message.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace camgate::outputs {
namespace {

TEST(websocket_message, HeaderUsesTheShortestLength) {
  EXPECT_EQ(websocket_binary_header(0), std::string("\x82\x00", 2));
  EXPECT_EQ(websocket_binary_header(125), "\x82\x7d");
  EXPECT_EQ(websocket_binary_header(126), std::string("\x82\x7e\x00\x7e", 4));
  EXPECT_EQ(websocket_binary_header(65535), "\x82\x7e\xff\xff");
  EXPECT_EQ(websocket_binary_header(65536), std::string("\x82\x7f\0\0\0\0\0\x01\0\0", 10));
  EXPECT_EQ(websocket_binary_header(92160), std::string("\x82\x7f\0\0\0\0\0\x01\x68\0", 10));
}

TEST(websocket_message, PagesHoldTheWholeMessage) {
  std::vector<std::uint8_t> jpeg(90 * 1024, 0x22);
  jpeg[0] = 0xff, jpeg[1] = 0xd8, jpeg[jpeg.size() - 2] = 0xff, jpeg.back() = 0xd9;
  const auto f = core::make_frame(jpeg, 3, 1);
  const auto& pages = websocket_binary_pages(*f);
  ASSERT_TRUE(pages);
  const auto expected = websocket_binary_header(jpeg.size()) +
                        std::string(reinterpret_cast<const char*>(jpeg.data()), jpeg.size());
  std::string got(pages->size(), '\0');
  ASSERT_EQ(::pread(pages->fd(), got.data(), got.size(), 0), static_cast<ssize_t>(got.size()));
  EXPECT_EQ(got, expected);
  EXPECT_EQ(websocket_binary_pages(*f).get(), pages.get());
}

}  // namespace
}  // namespace camgate::outputs
