// Camera bytes through the chunked decoder and the MJPEG multipart parser. The first
// input byte picks the setup: bit 0 chunked transfer encoding, bit 1 the boundary
// declared with a leading "--", bits 2-7 the piece size (1..64) the rest is fed in.
// Must never crash, deliver anything but a complete JPEG within the cap, or hold
// much more memory than the cap.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "core/jpeg_markers.hpp"
#include "sources/chunked_decoder.hpp"
#include "sources/multipart_parser.hpp"

using namespace camgate::sources;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t setup = data[0];
  const bool chunked = (setup & 1) != 0;
  const std::string_view boundary = (setup & 2) != 0 ? "--fuzz" : "fuzz";
  const std::size_t piece = 1 + (setup >> 2);

  constexpr std::size_t kCap = 4096;
  // A lying Content-Length is parsed again, so up to about twice the cap is legitimate.
  constexpr std::size_t kMemoryBound = 2 * kCap + 16 * 1024;
  multipart_parser parser(boundary,
                          [](std::vector<std::uint8_t>&& jpeg, const part_headers&) {
                            if (jpeg.size() > kCap) std::abort();
                            if (camgate::core::jpeg::complete_length(jpeg) != jpeg.size())
                              std::abort();
                          },
                          {kCap, 512});
  chunked_decoder decoder;

  std::span<const std::uint8_t> rest(data + 1, size - 1);
  while (!rest.empty()) {
    const auto in = rest.first(std::min(piece, rest.size()));
    rest = rest.subspan(in.size());
    if (chunked) {
      if (!decoder.feed(in, [&](std::span<const std::uint8_t> d) { parser.feed(d); })) break;
    } else {
      parser.feed(in);
    }
    if (parser.buffered_bytes() > kMemoryBound) std::abort();
  }
  if (parser.parts() + parser.skipped_invalid() + parser.skipped_oversize() > size) std::abort();
  return 0;
}
