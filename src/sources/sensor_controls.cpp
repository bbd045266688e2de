#include "sources/sensor_controls.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace camgate::sources {
namespace {

constexpr std::array<sensor_control, 25> kControls{{
    {"framesize", 0, 13},
    {"quality", 4, 63},
    {"brightness", -2, 2},
    {"contrast", -2, 2},
    {"saturation", -2, 2},
    {"sharpness", -2, 2},
    {"special_effect", 0, 6},
    {"wb_mode", 0, 4},
    {"awb", 0, 1},
    {"awb_gain", 0, 1},
    {"aec", 0, 1},
    {"aec2", 0, 1},
    {"ae_level", -2, 2},
    {"aec_value", 0, 1200},
    {"agc", 0, 1},
    {"agc_gain", 0, 30},
    {"gainceiling", 0, 6},
    {"bpc", 0, 1},
    {"wpc", 0, 1},
    {"raw_gma", 0, 1},
    {"lenc", 0, 1},
    {"hmirror", 0, 1},
    {"vflip", 0, 1},
    {"dcw", 0, 1},
    {"colorbar", 0, 1},
}};

constexpr std::array<std::string_view, 14> kFramesizeNames{
    "96X96", "QQVGA", "QCIF", "HQVGA", "240X240", "QVGA", "CIF",
    "HVGA",  "VGA",   "SVGA", "XGA",   "HD",      "SXGA", "UXGA"};

// The pixel sizes of kFramesizeNames, for "640x480".
constexpr std::array<std::pair<int, int>, 14> kFramesizes{{{96, 96},
                                                           {160, 120},
                                                           {176, 144},
                                                           {240, 176},
                                                           {240, 240},
                                                           {320, 240},
                                                           {400, 296},
                                                           {480, 320},
                                                           {640, 480},
                                                           {800, 600},
                                                           {1024, 768},
                                                           {1280, 720},
                                                           {1280, 1024},
                                                           {1600, 1200}}};

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto up = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
    return up(x) == up(y);
  });
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string range_of(const sensor_control& c) {
  std::string out(c.name);
  out += " must be an integer from " + std::to_string(c.min) + " to " + std::to_string(c.max);
  if (c.name == "framesize") {
    out += " or one of";
    for (auto n : kFramesizeNames) out += std::string(" ") + std::string(n);
  }
  return out;
}

// The value of one field, or nullopt when it has the wrong type or text.
std::optional<long long> value_of(const sensor_control& c, const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_boolean() && c.min == 0 && c.max == 1) return v.get<bool>() ? 1 : 0;
  if (!v.is_string()) return std::nullopt;
  const auto& text = v.get_ref<const std::string&>();
  if (auto n = to_int(text)) return *n;
  if (c.name == "framesize") return framesize_index(text);
  return std::nullopt;
}

}  // namespace

std::span<const sensor_control> sensor_controls() {
  return kControls;
}

std::span<const std::string_view> framesize_names() {
  return kFramesizeNames;
}

std::optional<int> framesize_index(std::string_view name) {
  for (std::size_t i = 0; i < kFramesizeNames.size(); ++i)
    if (iequals(name, kFramesizeNames[i])) return static_cast<int>(i);
  const auto x = name.find_first_of("xX");
  if (x == std::string_view::npos) return std::nullopt;
  const auto w = to_int(name.substr(0, x));
  const auto h = to_int(name.substr(x + 1));
  for (std::size_t i = 0; w && h && i < kFramesizes.size(); ++i)
    if (kFramesizes[i] == std::pair{*w, *h}) return static_cast<int>(i);
  return std::nullopt;
}

std::string_view framesize_name(int index) {
  if (index < 0 || index >= static_cast<int>(kFramesizeNames.size())) return {};
  return kFramesizeNames[static_cast<std::size_t>(index)];
}

std::variant<std::vector<control_setting>, std::string> validate_controls(
    const nlohmann::json& patch) {
  if (!patch.is_object()) return std::string("the settings must be a JSON object");
  if (patch.empty())
    return std::string("no setting to change: name at least one, e.g. {\"quality\": 12}");
  for (const auto& [key, value] : patch.items()) {
    const bool known = std::any_of(kControls.begin(), kControls.end(),
                                   [&](const sensor_control& c) { return c.name == key; });
    if (!known) {
      std::string names;
      for (const auto& c : kControls) names += (names.empty() ? "" : ", ") + std::string(c.name);
      return "unknown setting '" + key + "' (known: " + names + ")";
    }
  }
  std::vector<control_setting> out;
  for (const auto& c : kControls) {
    const auto it = patch.find(c.name);
    if (it == patch.end()) continue;
    const auto v = value_of(c, *it);
    if (!v || *v < c.min || *v > c.max) return range_of(c);
    out.push_back({std::string(c.name), static_cast<int>(*v)});
  }
  return out;
}

}  // namespace camgate::sources
