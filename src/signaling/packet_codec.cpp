#include "signaling/packet_codec.hpp"

#include <charconv>
#include <span>

#include "core/base64.hpp"

namespace camgate::signaling {

bool json_depth_ok(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      if (--depth < 0) return false;
    }
  }
  return true;
}

std::optional<nlohmann::json> parse_client_json(std::string_view text, int max_depth) {
  if (!json_depth_ok(text, max_depth)) return std::nullopt;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

namespace eio {

std::optional<packet> parse_packet(std::string_view text) {
  if (text.empty()) return std::nullopt;
  packet p;
  if (text.front() == 'b') {
    auto bytes = core::base64_decode(text.substr(1));
    if (!bytes) return std::nullopt;
    p.type = packet_type::message;
    p.binary = true;
    p.data.assign(bytes->begin(), bytes->end());
    return p;
  }
  const char t = text.front();
  if (t < '0' || t > '6') return std::nullopt;
  p.type = static_cast<packet_type>(t);
  p.data.assign(text.substr(1));
  return p;
}

std::string encode(packet_type t, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 1);
  out.push_back(static_cast<char>(t));
  out.append(data);
  return out;
}

std::optional<std::vector<packet>> parse_payload(std::string_view body, std::size_t max_packets) {
  std::vector<packet> out;
  for (;;) {
    const auto sep = body.find(record_separator);
    auto p = parse_packet(body.substr(0, sep));
    if (!p) return std::nullopt;
    if (out.size() >= max_packets) return std::nullopt;
    out.push_back(std::move(*p));
    if (sep == std::string_view::npos) break;
    body.remove_prefix(sep + 1);
  }
  return out;
}

std::string join_payload(const std::vector<std::string>& encoded) {
  std::size_t n = 0;
  for (const auto& e : encoded) n += e.size() + 1;
  std::string out;
  out.reserve(n);
  for (const auto& e : encoded) {
    if (!out.empty()) out.push_back(record_separator);
    out.append(e);
  }
  return out;
}

}  // namespace eio

namespace sio {
namespace {
parse_result fail(std::string why) {
  return {std::nullopt, std::move(why)};
}
}  // namespace

parse_result parse(std::string_view text, int max_depth) {
  if (text.empty()) return fail("empty packet");
  const char t = text.front();
  if (t < '0' || t > '6') return fail("unknown packet type");
  packet p;
  p.type = static_cast<packet_type>(t - '0');
  text.remove_prefix(1);
  if (p.type == packet_type::binary_event || p.type == packet_type::binary_ack)
    return fail("binary packets are not supported");
  if (!text.empty() && text.front() == '/') {
    const auto comma = text.find(',');
    // "1/admin" (no comma) is a namespace without data.
    p.nsp.assign(text.substr(0, comma));
    if (p.nsp.size() > 128) return fail("namespace too long");
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits > 0) {
    if (digits > 15) return fail("acknowledgement id too long");
    std::uint64_t id = 0;
    std::from_chars(text.data(), text.data() + digits, id);
    p.id = id;
    text.remove_prefix(digits);
  }
  if (!text.empty()) {
    auto j = parse_client_json(text, max_depth);
    if (!j) return fail("malformed JSON");
    p.data = std::move(*j);
  }
  switch (p.type) {
    case packet_type::connect:
      if (!p.data.is_null() && !p.data.is_object()) return fail("CONNECT data must be an object");
      if (p.id) return fail("CONNECT takes no acknowledgement id");
      break;
    case packet_type::disconnect:
      if (!p.data.is_null() || p.id) return fail("DISCONNECT takes no data");
      break;
    case packet_type::event:
      if (!p.data.is_array() || p.data.empty() || !p.data.front().is_string())
        return fail("EVENT data must be [\"name\", ...]");
      break;
    case packet_type::ack:
      if (!p.id) return fail("ACK needs an id");
      if (!p.data.is_array()) return fail("ACK data must be an array");
      break;
    case packet_type::connect_error:
      return fail("clients do not send CONNECT_ERROR");
    default:
      return fail("unsupported packet type");
  }
  return {std::move(p), {}};
}

std::string encode(const packet& p) {
  std::string out;
  out.push_back(static_cast<char>('0' + static_cast<int>(p.type)));
  if (p.nsp != "/") {
    out.append(p.nsp);
    out.push_back(',');
  }
  if (p.id) out.append(std::to_string(*p.id));
  if (!p.data.is_null())
    out.append(p.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return out;
}

std::string encode_event(std::string_view name, const nlohmann::json& payload) {
  packet p;
  p.type = packet_type::event;
  p.data = nlohmann::json::array({std::string(name), payload});
  return encode(p);
}

}  // namespace sio
}  // namespace camgate::signaling
