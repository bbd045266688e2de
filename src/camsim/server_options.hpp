#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "camsim/fault_settings.hpp"

namespace camgate::camsim {

// How camgate-camsim behaves; the defaults are the stock CameraWebServer firmware.
struct server_options {
  enum class stream_port_mode {
    next,  // /stream on port + 1, as the stock firmware
    same,  // /stream next to /capture, as a generic MJPEG camera
  };

  std::string host = "127.0.0.1";
  std::uint16_t port = 8081;  // 0: pick free ports
  int width = 1280;
  int height = 720;
  double fps = 30;
  int quality = 80;    // libjpeg scale, 1-100
  bool still = false;  // a still scene: only the frame number changes
  bool stream = true;  // false: the seed sketch, only / and /capture
  stream_port_mode stream_port = stream_port_mode::next;
  fault_settings faults;
};

// "HOST:PORT", with IPv6 hosts in brackets ("[::1]:0").
std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text);
// "WxH", each side 16-4096.
std::optional<std::pair<int, int>> parse_resolution(std::string_view text);

}  // namespace camgate::camsim
