#include "camsim/stream_format.hpp"

#include <cstdio>

namespace camgate::camsim::stream_format {

std::string response_head(int framerate) {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(kContentType) +
         "\r\nTransfer-Encoding: chunked\r\nAccess-Control-Allow-Origin: *\r\nX-Framerate: " +
         std::to_string(framerate) + "\r\n\r\n";
}

std::string part_header(std::size_t jpeg_size, std::int64_t capture_us) {
  char buf[128];
  const int n = std::snprintf(buf, sizeof buf,
                              "Content-Type: image/jpeg\r\nContent-Length: %zu\r\n"
                              "X-Timestamp: %lld.%06lld\r\n\r\n",
                              jpeg_size, static_cast<long long>(capture_us / 1000000),
                              static_cast<long long>(capture_us % 1000000));
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string chunk_size_line(std::size_t size) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%zx\r\n", size);
  return std::string(buf, static_cast<std::size_t>(n));
}

void append_chunk(std::string& out, std::string_view data) {
  out += chunk_size_line(data.size());
  out += data;
  out += "\r\n";
}

}  // namespace camgate::camsim::stream_format
