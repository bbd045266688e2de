#pragma once
#include <cstdint>
#include <string>
#include <string_view>

// The bytes of the stock firmware's /stream (esp32-camera's app_httpd.cpp over
// esp_http_server), reproduced exactly: a chunked multipart/x-mixed-replace response
// whose every frame is three chunks: boundary, part header, JPEG.
namespace camgate::camsim::stream_format {

inline constexpr std::string_view kBoundary = "123456789000000000000987654321";
inline constexpr std::string_view kContentType =
    "multipart/x-mixed-replace;boundary=123456789000000000000987654321";
// _STREAM_BOUNDARY: sent as a chunk before every part, the first one included.
inline constexpr std::string_view kPartBoundary = "\r\n--123456789000000000000987654321\r\n";

// Status line and headers, in the order esp_http_server writes them for a chunked
// response, then the header set by the firmware's stream_handler.
std::string response_head(int framerate);

// _STREAM_PART: "Content-Type: image/jpeg\r\nContent-Length: %u\r\nX-Timestamp: %d.%06d\r\n\r\n".
std::string part_header(std::size_t jpeg_size, std::int64_t capture_us);

// esp_http_server's chunk-size line: lowercase hex, no extensions.
std::string chunk_size_line(std::size_t size);

// Appends `data` as one whole chunk (size line, data, CRLF).
void append_chunk(std::string& out, std::string_view data);

}  // namespace camgate::camsim::stream_format
