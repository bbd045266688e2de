#include "camsim/stream_format.hpp"

#include <gtest/gtest.h>

using namespace camgate::camsim;

TEST(StreamFormat, ResponseHeadIsTheFirmwares) {
  EXPECT_EQ(stream_format::response_head(30),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: multipart/x-mixed-replace;boundary=123456789000000000000987654321\r\n"
            "Transfer-Encoding: chunked\r\n"
            "Access-Control-Allow-Origin: *\r\n"
            "X-Framerate: 30\r\n\r\n");
}

TEST(StreamFormat, PartHeaderAndChunks) {
  EXPECT_EQ(stream_format::part_header(12345, 1700000000000042),
            "Content-Type: image/jpeg\r\nContent-Length: 12345\r\n"
            "X-Timestamp: 1700000000.000042\r\n\r\n");
  EXPECT_EQ(stream_format::chunk_size_line(0x1f2a), "1f2a\r\n");
  std::string out;
  stream_format::append_chunk(out, stream_format::kPartBoundary);
  EXPECT_EQ(out, "24\r\n\r\n--123456789000000000000987654321\r\n\r\n");
}
