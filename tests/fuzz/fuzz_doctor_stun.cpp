// Feeds arbitrary bytes to what `camgate doctor` reads from STUN/TURN servers and from a
// gateway's ICE server list: parse_stun_answer (as a datagram for a fixed transaction id)
// and parse_ice_url. Neither may crash, throw, or read past the input; an answer's mapped
// address is printable text.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "doctor/ice_probe.hpp"

using namespace camgate::doctor;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const stun_txid id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  if (auto a = parse_stun_answer({data, size}, id)) {
    for (char c : a->mapped)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
        std::abort();
  }
  const auto url = parse_ice_url(std::string_view(reinterpret_cast<const char*>(data), size));
  if (const auto* u = std::get_if<ice_url>(&url)) {
    if (u->host.empty() || u->port == 0) std::abort();
  }
  return 0;
}
