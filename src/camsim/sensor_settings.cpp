#include "camsim/sensor_settings.hpp"

#include <algorithm>
#include <cstdlib>

namespace camgate::camsim {

const std::vector<sensor_settings::framesize>& sensor_settings::framesizes() {
  static const std::vector<framesize> sizes{
      {96, 96},   {160, 120}, {176, 144}, {240, 176},  {240, 240},  {320, 240},   {400, 296},
      {480, 320}, {640, 480}, {800, 600}, {1024, 768}, {1280, 720}, {1280, 1024}, {1600, 1200}};
  return sizes;
}

sensor_settings::sensor_settings(int width, int height, int jpeg_quality)
    : width_(width), height_(height), jpeg_quality_(std::clamp(jpeg_quality, 1, 100)) {
  // Defaults an OV2640 reports after esp_camera_init().
  others_ = {{"brightness", 0},
             {"contrast", 0},
             {"saturation", 0},
             {"sharpness", 0},
             {"special_effect", 0},
             {"wb_mode", 0},
             {"awb", 1},
             {"awb_gain", 1},
             {"aec", 1},
             {"aec2", 0},
             {"ae_level", 0},
             {"aec_value", 168},
             {"agc", 1},
             {"agc_gain", 0},
             {"gainceiling", 0},
             {"bpc", 0},
             {"wpc", 1},
             {"raw_gma", 1},
             {"lenc", 1},
             {"hmirror", 0},
             {"vflip", 0},
             {"dcw", 1},
             {"colorbar", 0}};
}

int sensor_settings::framesize_index() const {
  const auto& sizes = framesizes();
  const long area = static_cast<long>(width_) * height_;
  int best = 0;
  for (int i = 0; i < static_cast<int>(sizes.size()); ++i) {
    if (sizes[i].width == width_ && sizes[i].height == height_) return i;
    const long d = std::labs(static_cast<long>(sizes[i].width) * sizes[i].height - area);
    const long bd = std::labs(static_cast<long>(sizes[best].width) * sizes[best].height - area);
    if (d < bd) best = i;
  }
  return best;
}

int sensor_settings::esp_quality() const {
  return std::clamp(100 - jpeg_quality_, 0, 63);
}

bool sensor_settings::set(std::string_view var, int val) {
  if (var == "framesize") {
    if (val < 0 || val >= static_cast<int>(framesizes().size())) return false;
    width_ = framesizes()[val].width;
    height_ = framesizes()[val].height;
    return true;
  }
  if (var == "quality") {
    if (val < 0 || val > 63) return false;
    jpeg_quality_ = 100 - val;
    return true;
  }
  for (auto& [name, value] : others_) {
    if (name == var) {
      value = val;
      return true;
    }
  }
  return false;
}

std::string sensor_settings::status_json() const {
  std::string out =
      "{\"xclk\":20,\"pixformat\":4,\"framesize\":" + std::to_string(framesize_index()) +
      ",\"quality\":" + std::to_string(esp_quality());
  for (const auto& [name, value] : others_) {
    out += ",\"" + name + "\":" + std::to_string(value);
  }
  out += '}';
  return out;
}

}  // namespace camgate::camsim
