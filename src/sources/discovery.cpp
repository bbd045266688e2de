#include "sources/discovery.hpp"

namespace camgate::sources {

std::vector<camera_url> discovery_candidates(const std::string& host, std::uint16_t port) {
  std::vector<camera_url> out{{host, port, "/stream"}};
  if (port < 65535) out.push_back({host, static_cast<std::uint16_t>(port + 1), "/stream"});
  out.push_back({host, port, "/capture"});
  return out;
}

}  // namespace camgate::sources
