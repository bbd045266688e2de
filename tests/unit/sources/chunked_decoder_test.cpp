#include "sources/chunked_decoder.hpp"

#include <gtest/gtest.h>

#include "test_streams.hpp"

using camgate::sources::chunked_decoder;
using namespace camgate::test;

namespace {

struct decoded {
  bytes data;
  bool ok = true;
  bool done = false;
  std::string error;
};

// Feeds `in` in pieces of `step` bytes (0: all at once).
decoded decode(const bytes& in, std::size_t step = 0) {
  chunked_decoder d;
  decoded out;
  std::size_t at = 0;
  while (at < in.size() && out.ok) {
    const std::size_t n = step == 0 ? in.size() : std::min(step, in.size() - at);
    out.ok = d.feed(std::span(in.data() + at, n), [&](std::span<const std::uint8_t> piece) {
      out.data.insert(out.data.end(), piece.begin(), piece.end());
    });
    at += n;
  }
  out.done = d.done();
  out.error = d.error();
  return out;
}

bytes text(std::string_view s) {
  return bytes(s.begin(), s.end());
}

}  // namespace

TEST(ChunkedDecoder, DecodesChunksExtensionsAndTrailer) {
  const auto r =
      decode(text("4\r\nWiki\r\n5;ext=1;q=\"a;b\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
                  "0\r\nExpires: never\r\nX-Other: 1\r\n\r\n"));
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.done);
  EXPECT_EQ(std::string(r.data.begin(), r.data.end()), "Wikipedia in\r\n\r\nchunks.");
}

TEST(ChunkedDecoder, ToleratesBareLfAndBlanksAfterTheSize) {
  const auto r = decode(text("3  \nabc\n1\t;x\nd\n0\n\n"));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.done);
  EXPECT_EQ(std::string(r.data.begin(), r.data.end()), "abcd");
}

TEST(ChunkedDecoder, AcceptsUpperAndLowerCaseHexAndLeadingZeros) {
  bytes body(0x1aB, 'x');
  auto in = text("001Ab\r\n");
  append(in, body);
  append(in, "\r\n0000\r\n\r\n");
  const auto r = decode(in);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.data.size(), 0x1aBu);
}

TEST(ChunkedDecoder, EverySplitGivesTheSameBody) {
  bytes body;
  for (int i = 0; i < 700; ++i) body.push_back(static_cast<std::uint8_t>(i * 7));
  for (const auto* eol : {"\r\n", "\n"}) {
    for (bool ext : {false, true}) {
      const auto in = chunk_encode(body, {1, 2, 3, 16, 255, 7}, eol, ext);
      for (std::size_t step = 1; step <= in.size(); ++step) {
        const auto r = decode(in, step);
        ASSERT_TRUE(r.ok) << "step " << step << ": " << r.error;
        ASSERT_TRUE(r.done) << "step " << step;
        ASSERT_EQ(r.data, body) << "step " << step;
      }
    }
  }
}

TEST(ChunkedDecoder, StopsAtTheEndOfTheBody) {
  chunked_decoder d;
  std::string out;
  const auto in = text("2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n");
  EXPECT_TRUE(d.feed(in, [&](auto piece) { out.append(piece.begin(), piece.end()); }));
  EXPECT_TRUE(d.done());
  EXPECT_EQ(out, "ok");
  EXPECT_EQ(d.body_bytes(), 2u);
}

TEST(ChunkedDecoder, RejectsBadFraming) {
  struct bad_case {
    const char* name;
    std::string input;
    const char* error_part;
  };
  const std::vector<bad_case> cases = {
      {"not hex", "zz\r\nab\r\n", "hex chunk size"},
      {"no size", "\r\nab\r\n", "hex chunk size"},
      {"junk after size", "2x\r\nab\r\n", "chunk size line"},
      {"data longer than size", "2\r\nabc\r\n", "longer than its size"},
      {"CR without LF after size", "2\rab\r\n", "CR without LF"},
      {"CR without LF after data", "2\r\nab\rX", "CR without LF"},
      {"size overflow", "10000000000000000\r\n", "64 bits"},
      {"size line too long", "1;" + std::string(5000, 'e') + "\r\nx\r\n", "too long"},
      {"trailer too long", "0\r\nX: " + std::string(20000, 't') + "\r\n\r\n", "trailer too long"},
      {"bad final CRLF", "0\r\n\rX", "CR without LF"},
  };
  for (const auto& c : cases) {
    for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
      const auto r = decode(text(c.input), step);
      EXPECT_FALSE(r.ok) << c.name;
      EXPECT_NE(r.error.find(c.error_part), std::string::npos) << c.name << ": " << r.error;
    }
  }
}

TEST(ChunkedDecoder, FailureIsFinal) {
  chunked_decoder d;
  int pieces = 0;
  EXPECT_FALSE(d.feed(text("g\r\n"), [&](auto) { ++pieces; }));
  EXPECT_FALSE(d.feed(text("2\r\nab\r\n"), [&](auto) { ++pieces; }));
  EXPECT_TRUE(d.failed());
  EXPECT_EQ(pieces, 0);
  d.reset();
  EXPECT_TRUE(d.feed(text("2\r\nab\r\n"), [&](auto) { ++pieces; }));
  EXPECT_EQ(pieces, 1);
}
