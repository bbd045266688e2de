#include <gtest/gtest.h>

#include <string>

#include "doctor/stream_meter.hpp"
#include "unit/sources/test_streams.hpp"

using namespace camgate::doctor;
using camgate::test::bytes;
using camgate::test::make_jpeg;

namespace {

bytes part(const bytes& jpeg) {
  bytes out;
  camgate::test::append(out, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                                 std::to_string(jpeg.size()) + "\r\n\r\n");
  camgate::test::append(out, jpeg);
  camgate::test::append(out, "\r\n");
  return out;
}

bytes chunk(const bytes& data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  bytes out;
  camgate::test::append(out, size);
  camgate::test::append(out, data);
  camgate::test::append(out, "\r\n");
  return out;
}

}  // namespace

TEST(DoctorStreamMeter, RateAndSizesFromPartTimes) {
  stream_meter m("frame", false);
  // Five pictures 100 ms apart: 4 intervals over 400 ms = 10 fps.
  for (int i = 0; i < 5; ++i) m.feed(part(make_jpeg(640, 480, 1000 + 100 * i, i)), 50 + 100 * i);
  const auto& s = m.stats();
  EXPECT_EQ(s.frames, 5u);
  ASSERT_TRUE(s.first_frame_ms);
  EXPECT_DOUBLE_EQ(*s.first_frame_ms, 50);
  EXPECT_DOUBLE_EQ(s.span_ms, 400);
  EXPECT_DOUBLE_EQ(s.fps, 10);
  EXPECT_EQ(s.width, 640);
  EXPECT_EQ(s.height, 480);
  const auto smallest = make_jpeg(640, 480, 1000, 0).size();
  EXPECT_EQ(s.min_frame, smallest);
  EXPECT_EQ(s.max_frame, smallest + 400);
  EXPECT_DOUBLE_EQ(s.avg_frame, static_cast<double>(smallest) + 200);
  EXPECT_EQ(s.bad_parts, 0u);
  EXPECT_FALSE(m.first_frame().empty());
}

TEST(DoctorStreamMeter, ChunkedBytesSplitAnywhere) {
  stream_meter m("frame", true);
  bytes wire;
  for (int i = 0; i < 3; ++i) camgate::test::append(wire, chunk(part(make_jpeg(320, 240, 500, i))));
  for (std::size_t i = 0; i < wire.size(); i += 7) {
    const auto n = std::min<std::size_t>(7, wire.size() - i);
    m.feed(std::span<const std::uint8_t>(wire.data() + i, n), static_cast<double>(i));
  }
  EXPECT_EQ(m.stats().frames, 3u);
  EXPECT_FALSE(m.stats().framing_failed);
  EXPECT_EQ(m.stats().bytes, wire.size());
}

TEST(DoctorStreamMeter, BrokenPartsAreCountedNotFatal) {
  stream_meter m("frame", false);
  auto broken = make_jpeg(320, 240, 500, 1);
  broken.resize(broken.size() - 2);  // no EOI
  m.feed(part(make_jpeg(320, 240, 500, 0)), 0);
  m.feed(part(broken), 100);
  m.feed(part(make_jpeg(320, 240, 500, 2)), 200);
  EXPECT_EQ(m.stats().frames, 2u);
  EXPECT_EQ(m.stats().bad_parts, 1u);
  EXPECT_FALSE(m.stats().problem.empty());
}

TEST(DoctorStreamMeter, GarbageAndBadChunkingEndQuietly) {
  stream_meter garbage("frame", false);
  bytes noise(64 * 1024, 0x41);
  garbage.feed(noise, 0);
  EXPECT_EQ(garbage.stats().frames, 0u);
  EXPECT_FALSE(garbage.stats().first_frame_ms);

  stream_meter chunked("frame", true);
  bytes wire;
  camgate::test::append(wire, "zz\r\nhello\r\n");
  chunked.feed(wire, 0);
  EXPECT_TRUE(chunked.stats().framing_failed);
  EXPECT_NE(chunked.stats().problem.find("chunked"), std::string::npos);
  chunked.feed(part(make_jpeg(320, 240, 500, 0)), 1);  // ignored once framing broke
  EXPECT_EQ(chunked.stats().frames, 0u);
}
