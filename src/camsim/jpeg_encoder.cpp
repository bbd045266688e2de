#include "camsim/jpeg_encoder.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <turbojpeg.h>

namespace camgate::camsim {

jpeg_encoder::jpeg_encoder() : handle_(tjInitCompress()) {
  if (!handle_) throw std::runtime_error(std::string("tjInitCompress: ") + tjGetErrorStr2(nullptr));
}

jpeg_encoder::~jpeg_encoder() {
  tjDestroy(handle_);
}

std::span<const std::uint8_t> jpeg_encoder::encode(const yuv420_image& img, int quality) {
  // Worst-case size, allocated once per resolution: TJFLAG_NOREALLOC then lets
  // TurboJPEG write straight into it without a malloc per frame.
  const auto bound = tjBufSize(img.width, img.height, TJSAMP_420);
  if (bound == static_cast<unsigned long>(-1)) throw std::runtime_error("tjBufSize: bad size");
  if (out_.size() < bound) out_.resize(bound);
  const unsigned char* planes[3] = {img.y.data(), img.u.data(), img.v.data()};
  const int strides[3] = {img.luma_stride(), img.chroma_width(), img.chroma_width()};
  unsigned char* dst = out_.data();
  unsigned long size = out_.size();
  if (tjCompressFromYUVPlanes(handle_, planes, img.width, strides, img.height, TJSAMP_420, &dst,
                              &size, std::clamp(quality, 1, 100),
                              TJFLAG_NOREALLOC | TJFLAG_FASTDCT) != 0) {
    throw std::runtime_error(std::string("tjCompressFromYUVPlanes: ") + tjGetErrorStr2(handle_));
  }
  return {out_.data(), size};
}

}  // namespace camgate::camsim
