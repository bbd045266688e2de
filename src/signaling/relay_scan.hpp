#pragma once
// The relay's fast path: finds the event name, the target and the payload of a relayed
// Socket.IO event (`2["ice-candidate",{"to":"robot-1","candidate":{...}}]`) by scanning
// the bytes, without building a JSON tree, so the payload can be forwarded byte for byte.
//
// It accepts only a subset of what sio::parse accepts, with the same meaning: anything
// else (escapes in the target or keys, non-ASCII text, exponents, namespaces, extra
// arguments, nesting deeper than max_depth...) answers nullopt and takes the general
// path (sio::parse), which accepts or refuses it exactly as before.
// tests/fuzz/fuzz_signaling_packets.cpp checks both agree on every input it tries.
#include <cstdint>
#include <optional>
#include <string_view>

namespace camgate::signaling {

struct relay_event {
  std::string_view type;            // "offer", "answer" or "ice-candidate"
  std::string_view field;           // "offer", "answer" or "candidate"
  std::string_view to;              // the target peer: 1..max_peer bytes, no escapes
  std::string_view body;            // the payload field's JSON object, as sent
  std::optional<std::uint64_t> id;  // acknowledgement id
};

// `text`: the data of an Engine.IO message packet (after the '4').
std::optional<relay_event> scan_relay(std::string_view text, int max_depth = 32,
                                      std::size_t max_peer = 200);

// `s` as a JSON string literal, quotes included (for peer ids in relayed messages).
void append_json_string(std::string& out, std::string_view s);

}  // namespace camgate::signaling
