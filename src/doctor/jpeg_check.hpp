#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace camgate::doctor {

// What a picture a camera sent really is: framed as a JPEG, and decodable.
struct jpeg_verdict {
  bool soi = false;      // starts with FF D8
  bool eoi = false;      // ends with FF D9 (padding after it tolerated)
  bool decodes = false;  // libturbojpeg decoded every pixel without error
  int width = 0;
  int height = 0;
  std::string error;  // why it is not a good picture
  bool ok() const { return soi && eoi && decodes; }
};

// Checks the markers, then decodes the whole picture with libturbojpeg (a header alone
// says nothing of a truncated scan). Pictures over 8192 pixels a side are not decoded.
jpeg_verdict inspect_jpeg(std::span<const std::uint8_t> bytes);

}  // namespace camgate::doctor
