#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace camgate::camsim {

// The OV2640 settings the stock firmware exposes through /status and /control.
// Only framesize and quality change the picture; the rest are remembered and
// reported back, as a gateway's settings page expects.
class sensor_settings {
 public:
  struct framesize {
    int width;
    int height;
  };
  // esp32-camera's framesize_t values an OV2640 accepts: 0 = 96x96 ... 13 = 1600x1200.
  static const std::vector<framesize>& framesizes();

  sensor_settings(int width, int height, int jpeg_quality);

  int width() const { return width_; }
  int height() const { return height_; }
  int jpeg_quality() const { return jpeg_quality_; }  // libjpeg scale, 1-100

  // The firmware's index into framesizes(); the nearest by area for a size not in it.
  int framesize_index() const;
  // The firmware's quality: 0-63, lower is better. camsim maps it as 100 - quality
  // onto libjpeg's scale (the stock default 12 is libjpeg 88).
  int esp_quality() const;

  // /control?var=<var>&val=<val>. False where the firmware answers 500: an unknown
  // variable or a value out of range.
  bool set(std::string_view var, int val);

  // The /status body, with the firmware's field names and order.
  std::string status_json() const;

 private:
  int width_;
  int height_;
  int jpeg_quality_;
  std::vector<std::pair<std::string, int>> others_;  // brightness, contrast, ...
};

}  // namespace camgate::camsim
