#include "http/byte_range.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace camgate::httpd;
namespace http = boost::beast::http;

namespace {

std::optional<std::pair<std::uint64_t, std::uint64_t>> range_of(std::string_view h,
                                                                std::uint64_t size,
                                                                std::uint64_t max = 0) {
  auto r = parse_range(h, size, max);
  if (auto* b = std::get_if<byte_range>(&r)) return std::make_pair(b->first, b->last);
  return std::nullopt;
}

bool unsatisfiable(std::string_view h, std::uint64_t size) {
  return std::holds_alternative<bool>(parse_range(h, size, 0));
}

bool whole(std::string_view h, std::uint64_t size) {
  return std::holds_alternative<std::nullopt_t>(parse_range(h, size, 0));
}

}  // namespace

TEST(byte_range, TheFormsPlayersSend) {
  using p = std::pair<std::uint64_t, std::uint64_t>;
  EXPECT_EQ(range_of("bytes=0-", 1000), p(0, 999));
  EXPECT_EQ(range_of("bytes=100-199", 1000), p(100, 199));
  EXPECT_EQ(range_of("bytes=900-5000", 1000), p(900, 999)) << "clipped to the end";
  EXPECT_EQ(range_of("bytes=-100", 1000), p(900, 999)) << "the last 100 bytes";
  EXPECT_EQ(range_of("bytes=-5000", 1000), p(0, 999));
  EXPECT_EQ(range_of(" bytes=10-19, 30-39", 1000), p(10, 19)) << "the first of several";
  EXPECT_EQ(range_of("bytes=0-", 10'000'000, 4096), p(0, 4095)) << "at most max_length";
}

TEST(byte_range, BadHeadersMeanTheWholeFileAndRangesOutsideItMean416) {
  for (const char* h : {"", "items=0-10", "bytes=", "bytes=x-10", "bytes=10-x", "bytes=20-10",
                        "bytes=-", "bytes=99999999999999999999-"})
    EXPECT_TRUE(whole(h, 1000)) << h;
  EXPECT_TRUE(unsatisfiable("bytes=1000-", 1000));
  EXPECT_TRUE(unsatisfiable("bytes=-0", 1000));
  EXPECT_TRUE(unsatisfiable("bytes=0-", 0));
}

TEST(byte_range, AFileIsServedAsPlayersExpect) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("camgate-range-" + std::to_string(getpid()) + ".bin");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 1000; ++i) out.put(static_cast<char>(i % 251));
  }
  auto all = file_range_response(path, "video/mp4", "");
  EXPECT_EQ(all.message.result(), http::status::ok);
  EXPECT_EQ(all.message.body().size(), 1000u);
  EXPECT_EQ(all.message[http::field::accept_ranges], "bytes");

  auto part = file_range_response(path, "video/mp4", "bytes=500-509");
  EXPECT_EQ(part.message.result(), http::status::partial_content);
  EXPECT_EQ(part.message[http::field::content_range], "bytes 500-509/1000");
  ASSERT_EQ(part.message.body().size(), 10u);
  EXPECT_EQ(static_cast<unsigned char>(part.message.body()[0]), 500 % 251);

  auto capped = file_range_response(path, "video/mp4", "", 256);
  EXPECT_EQ(capped.message.result(), http::status::partial_content) << "too big to send whole";
  EXPECT_EQ(capped.message[http::field::content_range], "bytes 0-255/1000");

  auto outside = file_range_response(path, "video/mp4", "bytes=2000-");
  EXPECT_EQ(outside.message.result(), http::status::range_not_satisfiable);
  EXPECT_EQ(outside.message[http::field::content_range], "bytes */1000");
  EXPECT_NE(outside.message.body().find("\"success\":false"), std::string::npos);

  std::filesystem::remove(path);
  auto gone = file_range_response(path, "video/mp4", "");
  EXPECT_EQ(gone.message.result(), http::status::not_found);
}
