#include "outputs/websocket_message.hpp"

#include <array>
#include <cstdint>

namespace camgate::outputs {

std::string websocket_binary_header(std::size_t payload_size) {
  std::string h;
  h.push_back(static_cast<char>(0x82));  // FIN, binary; a server's frames are never masked
  if (payload_size < 126) {
    h.push_back(static_cast<char>(payload_size));
  } else if (payload_size <= 0xffff) {
    h.push_back(static_cast<char>(126));
    h.push_back(static_cast<char>(payload_size >> 8));
    h.push_back(static_cast<char>(payload_size & 0xff));
  } else {
    h.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8)
      h.push_back(static_cast<char>((static_cast<std::uint64_t>(payload_size) >> shift) & 0xff));
  }
  return h;
}

const core::sealed_pages_ptr& websocket_binary_pages(const core::frame& f) {
  return f.pages(core::frame::wire::websocket_binary, [](const core::frame& fr) {
    const auto header = websocket_binary_header(fr.size());
    const std::array<std::span<const std::uint8_t>, 2> pieces{
        std::span(reinterpret_cast<const std::uint8_t*>(header.data()), header.size()), fr.bytes()};
    return core::sealed_pages::make(pieces);
  });
}

}  // namespace camgate::outputs
