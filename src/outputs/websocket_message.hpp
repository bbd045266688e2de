#pragma once
#include <cstddef>
#include <string>

#include "core/frame.hpp"

namespace camgate::outputs {

// The header of one unfragmented, unmasked binary WebSocket message (RFC 6455 5.2:
// FIN + opcode 2, then the 7-, 16- or 64-bit payload length), as a server sends it.
std::string websocket_binary_header(std::size_t payload_size);

// The frame's JPEG as one binary message (header + JPEG) in sealed pages, made once per
// frame; null when pages cannot be made (the message goes through Beast as is).
const core::sealed_pages_ptr& websocket_binary_pages(const core::frame& f);

}  // namespace camgate::outputs
