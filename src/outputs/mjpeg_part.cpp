#include "outputs/mjpeg_part.hpp"

#include <array>
#include <cstdio>

namespace camgate::outputs {

std::string mjpeg_part_header(const core::frame& f) {
  const auto ts = f.capture_us();
  char header[256];
  const int n =
      std::snprintf(header, sizeof header,
                    "--%.*s\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n"
                    "X-Timestamp: %lld.%06lld\r\nX-Frame-Seq: %llu\r\n\r\n",
                    static_cast<int>(mjpeg_boundary.size()), mjpeg_boundary.data(), f.size(),
                    static_cast<long long>(ts / 1000000), static_cast<long long>(ts % 1000000),
                    static_cast<unsigned long long>(f.seq()));
  return std::string(header, static_cast<std::size_t>(n));
}

const core::sealed_pages_ptr& mjpeg_part_pages(const core::frame& f) {
  return f.pages(core::frame::wire::mjpeg_part, [](const core::frame& fr) {
    const auto header = mjpeg_part_header(fr);
    static constexpr std::uint8_t crlf[] = {'\r', '\n'};
    const std::array<std::span<const std::uint8_t>, 3> pieces{
        std::span(reinterpret_cast<const std::uint8_t*>(header.data()), header.size()), fr.bytes(),
        std::span<const std::uint8_t>(crlf)};
    return core::sealed_pages::make(pieces);
  });
}

}  // namespace camgate::outputs
