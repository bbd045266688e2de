#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace camgate::analysis {

// What a full decode of one JPEG tells: the numpy-style shape the seed reports as
// `frame_size` ([height, width, channels]) and simple picture-quality measures a
// clinician or an AI pre-check can act on (too dark, blurred).
struct frame_report {
  int height = 0;
  int width = 0;
  int channels = 3;
  double mean_luma = 0;  // 0..255
  double sharpness = 0;  // variance of the Laplacian of the luma; low means blurred
  double decode_ms = 0;
};

struct decode_error {
  std::string message;
};

// Decodes `jpeg` with libturbojpeg. Returns nullopt and fills `error` on a broken JPEG.
std::optional<frame_report> analyze_jpeg(std::span<const std::uint8_t> jpeg,
                                         std::string* error = nullptr);

}  // namespace camgate::analysis
