#include "sources/multipart_parser.hpp"

#include <gtest/gtest.h>

#include <random>

#include "sources/chunked_decoder.hpp"
#include "test_streams.hpp"

using namespace camgate::sources;
using namespace camgate::test;

namespace {

struct collected {
  std::vector<bytes> parts;
  std::vector<part_headers> headers;
  std::uint64_t oversize = 0;
  std::uint64_t invalid = 0;
  std::string last_problem;
};

// Parses `stream` fed in the pieces `cut` chooses (it returns the next piece length).
template <typename Cut>
collected parse(const bytes& stream, std::string_view boundary, Cut cut,
                multipart_limits limits = {}) {
  collected out;
  multipart_parser p(
      boundary,
      [&](std::vector<std::uint8_t>&& jpeg, const part_headers& h) {
        out.parts.push_back(std::move(jpeg));
        out.headers.push_back(h);
      },
      limits);
  std::size_t at = 0;
  while (at < stream.size()) {
    const std::size_t n =
        std::min<std::size_t>(std::max<std::size_t>(cut(at), 1), stream.size() - at);
    p.feed(std::span(stream.data() + at, n));
    at += n;
  }
  out.oversize = p.skipped_oversize();
  out.invalid = p.skipped_invalid();
  out.last_problem = p.last_problem();
  EXPECT_EQ(p.parts(), out.parts.size());
  return out;
}

collected parse_all(const bytes& stream, std::string_view boundary = "frame",
                    multipart_limits limits = {}) {
  return parse(
      stream, boundary, [&](std::size_t) { return stream.size(); }, limits);
}

std::vector<bytes> three_jpegs() {
  return {make_jpeg(640, 480, 300, 1), make_jpeg(320, 240, 57, 2), make_jpeg(1600, 1200, 1000, 3)};
}

std::vector<part> as_parts(const std::vector<bytes>& jpegs, bool content_length) {
  std::vector<part> parts;
  for (const auto& j : jpegs) parts.push_back({j, content_length, {}});
  return parts;
}

// Every way of cutting the stream gives the same parts: every piece size from 1 to
// the whole stream, every single split position, and random cuts.
void expect_split_invariant(const bytes& stream, std::string_view boundary,
                            const std::vector<bytes>& expected) {
  const auto whole = parse_all(stream, boundary);
  ASSERT_EQ(whole.parts, expected);
  for (std::size_t step = 1; step <= stream.size(); ++step) {
    const auto r = parse(stream, boundary, [&](std::size_t) { return step; });
    ASSERT_EQ(r.parts, expected) << "piece size " << step;
    ASSERT_EQ(r.invalid + r.oversize, whole.invalid + whole.oversize) << "piece size " << step;
  }
  for (std::size_t split = 1; split < stream.size(); ++split) {
    const auto r =
        parse(stream, boundary, [&](std::size_t at) { return at == 0 ? split : stream.size(); });
    ASSERT_EQ(r.parts, expected) << "split at " << split;
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const auto r = parse(stream, boundary, [&](std::size_t) { return 1 + rng() % 40; });
    ASSERT_EQ(r.parts, expected) << "random round " << round;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------
// boundary_from_content_type

TEST(BoundaryFromContentType, ReadsQuotedUnquotedAnyCaseWithBlanks) {
  EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace;boundary=frame"), "frame");
  EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace; boundary=\"a b;c\""), "a b;c");
  EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace ; BOUNDARY = frame ; x=y"),
            "frame");
  EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace;charset=a;Boundary=--myboundary"),
            "--myboundary");
  EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace;x=\"boundary=no\";boundary=yes"),
            "yes");
  EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace;boundary=\"q\\\"x\""), "q\"x");
}

TEST(BoundaryFromContentType, NoBoundaryIsNullopt) {
  EXPECT_FALSE(boundary_from_content_type("multipart/x-mixed-replace"));
  EXPECT_FALSE(boundary_from_content_type("multipart/x-mixed-replace; boundary="));
  EXPECT_FALSE(boundary_from_content_type("multipart/x-mixed-replace; boundary=\"\""));
  EXPECT_FALSE(boundary_from_content_type("multipart/x-mixed-replace; myboundary=x"));
  EXPECT_FALSE(boundary_from_content_type("image/jpeg"));
  EXPECT_FALSE(
      boundary_from_content_type("multipart/x-mixed-replace; boundary=" + std::string(300, 'b')));
}

// ---------------------------------------------------------------------------------
// Well-formed streams

TEST(MultipartParser, DeliversPartsWithContentLengthAndTheirHeaders) {
  const auto jpegs = three_jpegs();
  auto parts = as_parts(jpegs, true);
  parts[1].extra_headers = "X-Timestamp: 1712345678.123456\r\n";
  const auto r = parse_all(build_stream(parts, {}));
  ASSERT_EQ(r.parts, jpegs);
  EXPECT_EQ(r.headers[0].content_length, jpegs[0].size());
  EXPECT_EQ(r.headers[0].content_type, "image/jpeg");
  EXPECT_EQ(r.headers[0].timestamp, "");
  EXPECT_EQ(r.headers[1].timestamp, "1712345678.123456");
  EXPECT_EQ(r.invalid + r.oversize, 0u);
}

TEST(MultipartParser, DeliversPartsWithoutContentLength) {
  const auto jpegs = three_jpegs();
  const auto r = parse_all(build_stream(as_parts(jpegs, false), {}));
  ASSERT_EQ(r.parts, jpegs);
  EXPECT_FALSE(r.headers[0].content_length);
  EXPECT_EQ(r.invalid + r.oversize, 0u);
}

TEST(MultipartParser, ReservesExactlyTheContentLength) {
  const auto jpeg = make_jpeg(8, 8, 5000, 9);
  std::size_t capacity = 0;
  multipart_parser p("frame", [&](std::vector<std::uint8_t>&& j, const part_headers&) {
    capacity = j.capacity();
  });
  p.feed(build_stream({{jpeg, true, {}}}, {}));
  EXPECT_EQ(capacity, jpeg.size());
}

TEST(MultipartParser, EverySplitGivesIdenticalParts) {
  const auto jpegs = three_jpegs();
  for (bool content_length : {true, false}) {
    for (const char* eol : {"\r\n", "\n"}) {
      for (bool esp32 : {false, true}) {
        SCOPED_TRACE(std::string("content_length=") + (content_length ? "1" : "0") +
                     " eol=" + (eol[0] == '\r' ? "CRLF" : "LF") + " esp32=" + (esp32 ? "1" : "0"));
        stream_style s;
        s.eol = eol;
        s.esp32 = esp32;
        expect_split_invariant(build_stream(as_parts(jpegs, content_length), s), "frame", jpegs);
      }
    }
  }
}

TEST(MultipartParser, MixedLineEndingsAndMixedContentLength) {
  const auto jpegs = three_jpegs();
  bytes s;
  append(s, "--frame\nContent-Type: image/jpeg\r\nContent-Length: " +
                std::to_string(jpegs[0].size()) + "\n\r\n");
  append(s, jpegs[0]);
  append(s, "\n\r\n  \r\n--frame  \r\ncontent-type: image/jpeg\n\n");
  append(s, jpegs[1]);
  append(s, "\r\n--frame\t\nCONTENT-LENGTH:" + std::to_string(jpegs[2].size()) + "\r\n\n");
  append(s, jpegs[2]);
  append(s, "\n--frame--\n");
  expect_split_invariant(s, "frame", jpegs);
}

TEST(MultipartParser, ChunkedWithAwkwardChunkBoundaries) {
  const auto jpegs = three_jpegs();
  for (bool content_length : {true, false}) {
    stream_style style;
    style.esp32 = true;
    const auto body = build_stream(as_parts(jpegs, content_length), style);
    // Chunk sizes that cut inside CRLFs, the delimiter, header names and the JPEG.
    for (const auto& sizes : std::vector<std::vector<std::size_t>>{
             {1}, {2}, {3, 5, 7}, {17, 1, 1, 250}, {4096}, {body.size()}}) {
      const auto raw = chunk_encode(body, sizes);
      for (std::size_t step = 1; step <= raw.size(); step += (step < 64 ? 1 : 13)) {
        chunked_decoder d;
        collected out;
        multipart_parser p("frame", [&](std::vector<std::uint8_t>&& j, const part_headers&) {
          out.parts.push_back(std::move(j));
        });
        for (std::size_t at = 0; at < raw.size(); at += step) {
          ASSERT_TRUE(d.feed(std::span(raw.data() + at, std::min(step, raw.size() - at)),
                             [&](std::span<const std::uint8_t> piece) { p.feed(piece); }));
        }
        ASSERT_TRUE(d.done());
        ASSERT_EQ(out.parts, jpegs) << "step " << step << " chunk sizes[0] " << sizes[0];
      }
    }
  }
}

TEST(MultipartParser, BoundaryDeclaredWithDashesAndSentWithout) {
  // Declared "--myboundary", lines "--myboundary" (no extra "--"): seen on cameras.
  const auto jpegs = three_jpegs();
  for (bool content_length : {true, false}) {
    stream_style s;
    s.boundary = "--myboundary";
    s.delimiter = "--myboundary";
    expect_split_invariant(build_stream(as_parts(jpegs, content_length), s), "--myboundary", jpegs);
    // And the RFC form for the same declaration: "----myboundary".
    s.delimiter = "----myboundary";
    EXPECT_EQ(parse_all(build_stream(as_parts(jpegs, content_length), s), "--myboundary").parts,
              jpegs);
  }
}

TEST(MultipartParser, BoundaryFromQuotedContentType) {
  const auto boundary = boundary_from_content_type(
      "multipart/x-mixed-replace; boundary=\"123456789000000000000987654321\"");
  ASSERT_TRUE(boundary);
  const auto jpegs = three_jpegs();
  stream_style s;
  s.boundary = *boundary;
  s.esp32 = true;
  EXPECT_EQ(parse_all(build_stream(as_parts(jpegs, true), s), *boundary).parts, jpegs);
}

TEST(MultipartParser, SkipsPreambleGarbage) {
  const auto jpegs = three_jpegs();
  stream_style s;
  bytes noise;
  for (int i = 0; i < 3000; ++i) noise.push_back(static_cast<std::uint8_t>(i * 31 + 7));
  s.preamble = "This is a preamble\r\n--fram\r\n--frameX\r\n  --frame\r\n-- frame\r\n" +
               std::string(noise.begin(), noise.end()) + "\r\n\r\n";
  for (bool content_length : {true, false}) {
    const auto r = parse_all(build_stream(as_parts(jpegs, content_length), s));
    EXPECT_EQ(r.parts, jpegs);
    EXPECT_EQ(r.invalid + r.oversize, 0u);
  }
  expect_split_invariant(build_stream(as_parts(jpegs, false), s), "frame", jpegs);
}

TEST(MultipartParser, BoundaryLikeBytesInsideJpegData) {
  auto tricky = make_jpeg(64, 48, 200, 4);
  // With Content-Length even a full delimiter line inside the data is data.
  const std::string fake = "\r\n--frame\r\nContent-Type: image/jpeg\r\n\r\n";
  auto with_delimiter = tricky;
  with_delimiter.insert(with_delimiter.begin() + 100, fake.begin(), fake.end());
  const auto good = make_jpeg(10, 10, 50, 5);
  const auto r = parse_all(build_stream({{with_delimiter, true, {}}, {good, true, {}}}, {}));
  EXPECT_EQ(r.parts, (std::vector<bytes>{with_delimiter, good}));
  EXPECT_EQ(r.invalid, 0u);

  // Without Content-Length only a complete delimiter line ends the part.
  auto near_misses = tricky;
  const std::string misses =
      "\r\n--frameX\r\n\n--fram\n--frame-x\r\n--frame \tz\r\nx--frame\r\n\n--Frame\r\n--";
  near_misses.insert(near_misses.begin() + 50, misses.begin(), misses.end());
  const auto stream = build_stream({{near_misses, false, {}}, {good, false, {}}}, {});
  const auto r2 = parse_all(stream);
  EXPECT_EQ(r2.parts, (std::vector<bytes>{near_misses, good}));
  EXPECT_EQ(r2.invalid, 0u);
  expect_split_invariant(stream, "frame", {near_misses, good});
}

TEST(MultipartParser, TrailingPaddingAfterEoiIsTrimmed) {
  auto jpeg = make_jpeg(16, 16, 40, 6);
  auto padded = jpeg;
  append(padded, std::string("\r\n\r\n\0\0  ", 8));
  const auto r = parse_all(build_stream({{padded, true, {}}, {padded, false, {}}}, {}));
  EXPECT_EQ(r.parts, (std::vector<bytes>{jpeg, jpeg}));
}

TEST(MultipartParser, RestartsAfterACloseDelimiter) {
  const auto jpegs = three_jpegs();
  auto s = build_stream(as_parts({jpegs[0]}, true), {});
  append(s, "epilogue\r\n");
  append(s, build_stream(as_parts({jpegs[1], jpegs[2]}, false), {}));
  const auto r = parse_all(s);
  EXPECT_EQ(r.parts, jpegs);
  EXPECT_EQ(r.invalid, 0u);
}

// ---------------------------------------------------------------------------------
// Malformed and hostile input: counted, skipped, and the next good part survives.

namespace {

const bytes& good_jpeg() {
  static const bytes j = make_jpeg(320, 240, 120, 42);
  return j;
}

// `broken` (raw bytes from the delimiter line on) followed by one good part.
bytes broken_then_good(std::string_view broken, bool good_with_length = true) {
  bytes s;
  append(s, broken);
  append(s, build_stream({{good_jpeg(), good_with_length, {}}}, {}));
  return s;
}

void expect_skipped_then_good(const bytes& stream, std::uint64_t invalid, std::uint64_t oversize,
                              multipart_limits limits = {}) {
  const auto r = parse_all(stream, "frame", limits);
  ASSERT_EQ(r.parts.size(), 1u) << r.last_problem;
  EXPECT_EQ(r.parts[0], good_jpeg());
  EXPECT_EQ(r.invalid, invalid) << r.last_problem;
  EXPECT_EQ(r.oversize, oversize) << r.last_problem;
  EXPECT_FALSE(r.last_problem.empty());
  // Byte by byte too.
  const auto slow = parse(
      stream, "frame", [](std::size_t) { return 1; }, limits);
  EXPECT_EQ(slow.parts, r.parts);
  EXPECT_EQ(slow.invalid, invalid);
  EXPECT_EQ(slow.oversize, oversize);
}

std::string jpeg_text(const bytes& j) {
  return std::string(j.begin(), j.end());
}

}  // namespace

TEST(MultipartParserHostile, HugeContentLength) {
  expect_skipped_then_good(broken_then_good("--frame\r\nContent-Length: 99999999999999\r\n\r\n" +
                                            jpeg_text(make_jpeg(8, 8, 500, 1)) + "\r\n"),
                           0, 1);
  expect_skipped_then_good(
      broken_then_good("--frame\r\nContent-Length: 999999999999999999999999999\r\n\r\nxx\r\n"), 1,
      0);
}

TEST(MultipartParserHostile, NegativeOrNonNumericContentLength) {
  for (const char* value : {"-5", "abc", "12abc", "", "+12", "1 2", "0x10", "1e3"}) {
    SCOPED_TRACE(value);
    expect_skipped_then_good(
        broken_then_good(std::string("--frame\r\nContent-Length: ") + value + "\r\n\r\n" +
                         jpeg_text(make_jpeg(8, 8, 30, 1)) + "\r\n"),
        1, 0);
  }
}

TEST(MultipartParserHostile, ConflictingContentLengths) {
  expect_skipped_then_good(
      broken_then_good("--frame\r\nContent-Length: 10\r\nContent-Length: 11\r\n\r\n0123456789\r\n"),
      1, 0);
}

TEST(MultipartParserHostile, HeaderFlood) {
  std::string flood = "--frame\r\n";
  for (int i = 0; i < 2000; ++i) flood += "X-Flood-" + std::to_string(i) + ": aaaaaaaa\r\n";
  flood += "\r\n" + jpeg_text(make_jpeg(8, 8, 30, 1)) + "\r\n";
  expect_skipped_then_good(broken_then_good(flood), 1, 0);
  // One endless header line, no LF at all for 200 KB.
  const std::string line = "--frame\r\nX-Long: " + std::string(200000, 'a') + "\r\n\r\nzz\r\n";
  expect_skipped_then_good(broken_then_good(line), 1, 0);
}

TEST(MultipartParserHostile, BadHeaderLine) {
  expect_skipped_then_good(broken_then_good("--frame\r\nthis is no header\r\n\r\n" +
                                            jpeg_text(make_jpeg(8, 8, 30, 1)) + "\r\n"),
                           1, 0);
  expect_skipped_then_good(broken_then_good("--frame\r\n: empty name\r\n\r\nx\r\n"), 1, 0);
}

TEST(MultipartParserHostile, MissingEoiOrSoi) {
  auto no_eoi = make_jpeg(8, 8, 30, 1);
  no_eoi.resize(no_eoi.size() - 2);
  auto no_soi = make_jpeg(8, 8, 30, 1);
  no_soi[1] = 0;
  for (const auto* j : {&no_eoi, &no_soi}) {
    for (bool length : {true, false}) {
      expect_skipped_then_good(build_stream({{*j, length, {}}, {good_jpeg(), length, {}}}, {}), 1,
                               0);
    }
  }
}

TEST(MultipartParserHostile, EmptyPartAndPartWithoutBody) {
  expect_skipped_then_good(broken_then_good("--frame\r\nContent-Length: 0\r\n\r\n\r\n"), 1, 0);
  expect_skipped_then_good(broken_then_good("--frame\r\nContent-Type: image/jpeg\r\n\r\n\r\n"), 1,
                           0);
  // Headers interrupted by the next delimiter line.
  expect_skipped_then_good(broken_then_good("--frame\r\nContent-Type: image/jpeg\r\n"), 1, 0);
}

TEST(MultipartParserHostile, ContentLengthTooLongSwallowsTheNextDelimiter) {
  const auto j = make_jpeg(8, 8, 60, 1);
  // Claims 40 bytes more than it has: the next part's delimiter and headers fall inside.
  const auto s = broken_then_good("--frame\r\nContent-Length: " + std::to_string(j.size() + 40) +
                                  "\r\n\r\n" + jpeg_text(j) + "\r\n");
  expect_skipped_then_good(s, 1, 0);
  // Claims more than the rest of the next part: still recovered by the replay.
  bytes two = broken_then_good("--frame\r\nContent-Length: " + std::to_string(j.size() + 200) +
                               "\r\n\r\n" + jpeg_text(j) + "\r\n");
  append(two, build_stream({{good_jpeg(), true, {}}}, {}));
  const auto r = parse_all(two);
  EXPECT_EQ(r.invalid, 1u) << r.last_problem;
  EXPECT_EQ(r.parts.size(), 2u);
}

TEST(MultipartParserHostile, ContentLengthTooShort) {
  const auto j = make_jpeg(8, 8, 300, 1);
  expect_skipped_then_good(
      broken_then_good("--frame\r\nContent-Length: 100\r\n\r\n" + jpeg_text(j) + "\r\n"), 1, 0);
}

TEST(MultipartParserHostile, PartsAtAndJustOverTheCap) {
  multipart_limits limits;
  limits.max_part_bytes = 1000;
  auto at_cap = make_jpeg(8, 8, 1000 - 27, 1);
  ASSERT_EQ(at_cap.size(), 1000u);
  auto over = make_jpeg(8, 8, 1000 - 26, 2);
  ASSERT_EQ(over.size(), 1001u);
  for (bool length : {true, false}) {
    SCOPED_TRACE(length ? "with Content-Length" : "without Content-Length");
    const auto r = parse_all(
        build_stream({{at_cap, length, {}}, {over, length, {}}, {good_jpeg(), length, {}}}, {}),
        "frame", limits);
    EXPECT_EQ(r.parts, (std::vector<bytes>{at_cap, good_jpeg()}));
    EXPECT_EQ(r.oversize, 1u);
    EXPECT_EQ(r.invalid, 0u);
    const auto slow = parse(
        build_stream({{over, length, {}}, {at_cap, length, {}}}, {}), "frame",
        [](std::size_t) { return 1; }, limits);
    EXPECT_EQ(slow.parts, (std::vector<bytes>{at_cap}));
    EXPECT_EQ(slow.oversize, 1u);
  }
}

TEST(MultipartParserHostile, OversizePartStreamsThroughInBoundedMemory) {
  multipart_limits limits;
  limits.max_part_bytes = 64 * 1024;
  const auto huge = make_jpeg(8, 8, 3 * 1024 * 1024, 3);
  for (bool length : {true, false}) {
    const auto s = build_stream({{huge, length, {}}, {good_jpeg(), length, {}}}, {});
    std::size_t peak = 0;
    std::vector<bytes> parts;
    multipart_parser p(
        "frame", [&](std::vector<std::uint8_t>&& j, const part_headers&) { parts.push_back(j); },
        limits);
    for (std::size_t at = 0; at < s.size(); at += 1500) {
      p.feed(std::span(s.data() + at, std::min<std::size_t>(1500, s.size() - at)));
      peak = std::max(peak, p.buffered_bytes());
    }
    EXPECT_EQ(parts, std::vector<bytes>{good_jpeg()});
    EXPECT_EQ(p.skipped_oversize(), 1u);
    EXPECT_LE(peak, limits.max_part_bytes + 16 * 1024) << (length ? "length" : "scan");
    // One feed of everything must not copy it all either.
    multipart_parser q(
        "frame", [&](std::vector<std::uint8_t>&&, const part_headers&) {}, limits);
    q.feed(std::span(s.data(), s.size() - 200));
    EXPECT_LE(q.buffered_bytes(), limits.max_part_bytes + 16 * 1024);
  }
}

TEST(MultipartParserHostile, GarbageBetweenPartsIsNotedButCostsNothing) {
  const auto jpegs = three_jpegs();
  stream_style esp32;
  esp32.esp32 = true;
  bytes s = build_stream(as_parts({jpegs[0]}, true), esp32);
  s.resize(s.size() - std::string("\r\n--frame\r\n").size());  // drop the closing delimiter
  append(s, "\r\nsome junk here\r\n");
  append(s, build_stream(as_parts({jpegs[1]}, true), esp32));
  multipart_parser p("frame", [](std::vector<std::uint8_t>&&, const part_headers&) {});
  p.feed(s);
  EXPECT_EQ(p.parts(), 2u);
  EXPECT_EQ(p.skipped_invalid(), 0u);
  EXPECT_EQ(p.problems(), 1u);
  EXPECT_EQ(p.last_problem(), "unexpected bytes between parts");
}

TEST(MultipartParserHostile, RandomNoiseNeverDeliversAndStaysBounded) {
  multipart_limits limits;
  limits.max_part_bytes = 4096;
  std::mt19937 rng(99);
  for (int round = 0; round < 50; ++round) {
    bytes noise(20000);
    for (auto& b : noise)
      b = static_cast<std::uint8_t>(rng() % 6 == 0 ? "-\r\nframe"[rng() % 8] : rng());
    std::size_t delivered = 0;
    multipart_parser p(
        "frame",
        [&](std::vector<std::uint8_t>&& j, const part_headers&) {
          EXPECT_LE(j.size(), limits.max_part_bytes);
          ++delivered;
        },
        limits);
    for (std::size_t at = 0; at < noise.size();) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 300, noise.size() - at);
      p.feed(std::span(noise.data() + at, n));
      at += n;
      ASSERT_LE(p.buffered_bytes(), limits.max_part_bytes + 16 * 1024);
    }
    EXPECT_EQ(delivered, 0u);
  }
}
