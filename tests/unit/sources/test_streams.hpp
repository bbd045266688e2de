#pragma once
// Builders of JPEGs and camera byte streams for the sources tests.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::test {

using bytes = std::vector<std::uint8_t>;

inline void append(bytes& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}
inline void append(bytes& out, const bytes& b) {
  out.insert(out.end(), b.begin(), b.end());
}

// A structurally valid JPEG: SOI, SOF0 with the size, SOS, `payload` entropy bytes
// (no 0xFF, derived from `seed`), EOI.
inline bytes make_jpeg(int width, int height, std::size_t payload, std::uint32_t seed) {
  bytes j = {0xFF,
             0xD8,
             0xFF,
             0xC0,
             0x00,
             0x0B,
             0x08,
             static_cast<std::uint8_t>(height >> 8),
             static_cast<std::uint8_t>(height & 0xFF),
             static_cast<std::uint8_t>(width >> 8),
             static_cast<std::uint8_t>(width & 0xFF),
             0x01,
             0x01,
             0x11,
             0x00,
             0xFF,
             0xDA,
             0x00,
             0x08,
             0x01,
             0x01,
             0x00,
             0x00,
             0x3F,
             0x00};
  std::uint32_t x = seed * 2654435761u + 1;
  for (std::size_t i = 0; i < payload; ++i) {
    x = x * 1664525u + 1013904223u;
    j.push_back(static_cast<std::uint8_t>((x >> 24) % 0xFF));  // never 0xFF
  }
  j.push_back(0xFF);
  j.push_back(0xD9);
  return j;
}

struct part {
  bytes data;
  bool content_length = true;
  std::string extra_headers;  // full lines, each ending in the stream's eol
};

struct stream_style {
  std::string boundary = "frame";
  std::string eol = "\r\n";
  // The delimiter line text; empty: "--" + boundary.
  std::string delimiter;
  // ESP32 style puts eol + delimiter before every part and never closes; otherwise
  // RFC style: delimiter, part, eol, ..., close delimiter.
  bool esp32 = false;
  std::string preamble;
};

inline bytes build_stream(const std::vector<part>& parts, const stream_style& s) {
  const std::string delim = s.delimiter.empty() ? "--" + s.boundary : s.delimiter;
  bytes out;
  append(out, s.preamble);
  for (const auto& p : parts) {
    if (s.esp32) append(out, s.eol);
    append(out, delim + s.eol);
    append(out, "Content-Type: image/jpeg" + s.eol);
    if (p.content_length) append(out, "Content-Length: " + std::to_string(p.data.size()) + s.eol);
    append(out, p.extra_headers);
    append(out, s.eol);
    append(out, p.data);
    if (!s.esp32) append(out, s.eol);
  }
  // Closes the last part (needed without Content-Length).
  if (s.esp32) {
    append(out, s.eol + delim + s.eol);
  } else {
    append(out, delim + "--" + s.eol);
  }
  return out;
}

// Chunked transfer encoding with chunk sizes taken in turn from `sizes`.
inline bytes chunk_encode(const bytes& body, const std::vector<std::size_t>& sizes,
                          std::string_view eol = "\r\n", bool extensions = false) {
  bytes out;
  std::size_t at = 0;
  std::size_t k = 0;
  char hex[32];
  while (at < body.size()) {
    const std::size_t n = std::min(sizes[k++ % sizes.size()], body.size() - at);
    std::snprintf(hex, sizeof hex, "%zx", n);
    append(out, hex);
    if (extensions) append(out, ";name=\"va;lue\"");
    append(out, eol);
    out.insert(out.end(), body.begin() + static_cast<long>(at),
               body.begin() + static_cast<long>(at + n));
    append(out, eol);
    at += n;
  }
  append(out, "0");
  append(out, eol);
  append(out, eol);
  return out;
}

}  // namespace camgate::test
