#pragma once
// Engine.IO v4 and Socket.IO v5 (socket.io 4.x) packet codec: pure functions over
// strings, no I/O, so every byte a client can send is unit-tested and fuzzed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace camgate::signaling {

// True when `text` nests arrays/objects no deeper than `max_depth` (strings are skipped).
// Checked before parsing client JSON: relaying it must not recurse without bound.
bool json_depth_ok(std::string_view text, int max_depth);

// Parses a client JSON text: nullopt when malformed or nested deeper than `max_depth`.
std::optional<nlohmann::json> parse_client_json(std::string_view text, int max_depth = 32);

namespace eio {

enum class packet_type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

struct packet {
  packet_type type = packet_type::noop;
  std::string data;     // text after the type digit (decoded bytes for binary)
  bool binary = false;  // a "b<base64>" packet of a polling payload, or a binary frame
};

// One packet: a WebSocket text frame, or one record of a polling payload. nullopt when
// empty, of an unknown type, or "b" with bad base64.
std::optional<packet> parse_packet(std::string_view text);

// "<type digit><data>".
std::string encode(packet_type t, std::string_view data = {});

// The records of a polling payload (separated by 0x1e). nullopt when any record is
// malformed or there are more than `max_packets`.
std::optional<std::vector<packet>> parse_payload(std::string_view body, std::size_t max_packets);

// Joins encoded packets into one polling payload.
std::string join_payload(const std::vector<std::string>& encoded);

inline constexpr char record_separator = '\x1e';

}  // namespace eio

namespace sio {

enum class packet_type : int {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct packet {
  packet_type type = packet_type::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> id;  // acknowledgement id
  nlohmann::json data;              // null when the packet carries none
};

struct parse_result {
  std::optional<packet> value;  // set when valid
  std::string error;            // why not, for the client
};

// Parses the data of an Engine.IO message packet as a Socket.IO packet, checking the
// shape each type requires (CONNECT: object or nothing; EVENT: ["name", ...]; ACK:
// array; DISCONNECT: nothing). Binary packets (attachments) are refused.
parse_result parse(std::string_view text, int max_depth = 32);

// The text form, for an Engine.IO message packet (without the '4').
std::string encode(const packet& p);
// 2["name",payload] on the main namespace.
std::string encode_event(std::string_view name, const nlohmann::json& payload);

}  // namespace sio

}  // namespace camgate::signaling
