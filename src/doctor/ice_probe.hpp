#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/asio.hpp"

namespace camgate::doctor {

// One entry of an iceServers "urls" list (RFC 7064 / 7065).
struct ice_url {
  enum class kind { stun, stuns, turn, turns };
  kind type = kind::stun;
  std::string host;  // IPv6 without brackets
  std::uint16_t port = 3478;
  bool tcp = false;  // ?transport=tcp, or stuns/turns (TLS over TCP)
  bool tls() const { return type == kind::stuns || type == kind::turns; }
  bool is_turn() const { return type == kind::turn || type == kind::turns; }
};
// The URL, or a sentence saying what is wrong with it.
std::variant<ice_url, std::string> parse_ice_url(std::string_view text);

// A STUN Binding request (RFC 8489: 20-byte header, no attributes).
using stun_txid = std::array<std::uint8_t, 12>;
std::vector<std::uint8_t> stun_binding_request(const stun_txid& id);

// What a STUN server answered to our Binding request.
struct stun_answer {
  bool success = false;  // 0x0101 Binding success (else an error response)
  std::string mapped;    // "203.0.113.7:54321": how the server sees us, when it says
};
// nullopt: not a STUN answer to `id` (garbage, someone else's, cut short).
std::optional<stun_answer> parse_stun_answer(std::span<const std::uint8_t> bytes,
                                             const stun_txid& id);

struct ice_probe_result {
  bool reached = false;
  std::string detail;  // what answered, or why nothing did
  double ms = 0;
};
// Reaches the server the way a browser would: a STUN Binding request over UDP, or over
// TCP for ?transport=tcp (TURN servers answer Binding requests too); stuns/turns only get
// a TCP connect (the TLS on top is not checked). Bounded by `timeout`, with UDP
// retransmissions inside it.
asio::awaitable<ice_probe_result> probe_ice(const ice_url& url, std::chrono::milliseconds timeout);

}  // namespace camgate::doctor
