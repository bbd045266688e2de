#include "doctor/jpeg_check.hpp"

#include <memory>
#include <vector>

#include <turbojpeg.h>

#include "core/jpeg_markers.hpp"

namespace camgate::doctor {

namespace {
constexpr int kMaxSide = 8192;  // bounds the decode buffer (8192² grey = 64 MiB)
}

jpeg_verdict inspect_jpeg(std::span<const std::uint8_t> bytes) {
  jpeg_verdict v;
  v.soi = bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
  const auto complete = core::jpeg::complete_length(bytes);
  v.eoi = complete.has_value();
  if (!v.soi) {
    v.error = "does not start with the JPEG SOI marker (FF D8)";
    return v;
  }
  if (!v.eoi) v.error = "does not end with the JPEG EOI marker (FF D9): cut short?";
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
  if (!tj) {
    if (v.error.empty()) v.error = "cannot initialise the JPEG decoder";
    return v;
  }
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  auto* data = const_cast<unsigned char*>(bytes.data());
  const auto size = static_cast<unsigned long>(bytes.size());
  if (tjDecompressHeader3(tj.get(), data, size, &width, &height, &subsamp, &colorspace) != 0) {
    if (v.error.empty())
      v.error = std::string("no readable JPEG header: ") + tjGetErrorStr2(tj.get());
    return v;
  }
  v.width = width;
  v.height = height;
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide) {
    if (v.error.empty()) v.error = "picture size out of range";
    return v;
  }
  // Greyscale is enough to run the whole entropy decode and catch a broken scan.
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height);
  if (tjDecompress2(tj.get(), data, size, pixels.data(), width, 0, height, TJPF_GRAY,
                    TJFLAG_FASTDCT | TJFLAG_STOPONWARNING) != 0) {
    if (v.error.empty()) v.error = std::string("does not decode: ") + tjGetErrorStr2(tj.get());
    return v;
  }
  v.decodes = true;
  return v;
}

}  // namespace camgate::doctor
