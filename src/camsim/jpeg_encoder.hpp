#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "camsim/yuv420_image.hpp"

namespace camgate::camsim {

// TurboJPEG compressor fed straight from YUV 4:2:0 planes. Not thread-safe: one per
// thread.
class jpeg_encoder {
 public:
  jpeg_encoder();
  ~jpeg_encoder();
  jpeg_encoder(const jpeg_encoder&) = delete;
  jpeg_encoder& operator=(const jpeg_encoder&) = delete;

  // Encodes `img` at `quality` (1-100). The bytes stay valid until the next call.
  // Throws std::runtime_error with TurboJPEG's message on failure.
  std::span<const std::uint8_t> encode(const yuv420_image& img, int quality);

 private:
  void* handle_;  // tjhandle, kept opaque so users need not include turbojpeg.h
  std::vector<std::uint8_t> out_;
};

}  // namespace camgate::camsim
