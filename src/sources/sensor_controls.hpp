#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace camgate::sources {

// The OV2640 settings the stock CameraWebServer firmware takes through
// /control?var=<name>&val=<int>, with the ranges esp32-camera accepts. Checked here
// before anything is sent, so a bad value is a 400 naming the field instead of the
// firmware's bare 500.
struct sensor_control {
  std::string_view name;
  int min;
  int max;
};

// In the order validate_controls() returns them: framesize first (the firmware resets
// the JPEG buffers for it), then quality, then the rest as the firmware's page lists them.
std::span<const sensor_control> sensor_controls();

// esp32-camera's framesize_t names for 0..13: "96X96", "QQVGA", ... "UXGA".
std::span<const std::string_view> framesize_names();
// "VGA" (any case) or "640x480" -> 8; nullopt for anything else.
std::optional<int> framesize_index(std::string_view name);
// 8 -> "VGA"; empty outside 0..13.
std::string_view framesize_name(int index);

struct control_setting {
  std::string var;
  int val = 0;
  bool operator==(const control_setting&) const = default;
};

// A settings patch such as {"framesize":"VGA","quality":12,"vflip":true} as the
// (var, val) pairs to send, in sensor_controls() order; or a sentence naming the bad
// field and its range. Values: integers, integer strings (form bodies), booleans for
// the 0..1 switches, framesize names.
std::variant<std::vector<control_setting>, std::string> validate_controls(
    const nlohmann::json& patch);

}  // namespace camgate::sources
