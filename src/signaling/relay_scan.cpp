#include "signaling/relay_scan.hpp"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string>

#include "signaling/hub_client.hpp"

namespace camgate::signaling {
namespace {

// Bytes inside a JSON string: 0 ordinary, 1 '"', 2 '\\', 3 outside the subset
// (control characters, which JSON forbids; non-ASCII, left to the general path).
constexpr auto string_bytes = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c >= 0x80 ? 3 : 0;
  t['"'] = 1;
  t['\\'] = 2;
  return t;
}();

// A strict JSON scanner over the subset described in relay_scan.hpp. Every function
// returns false for "not in the subset" (malformed or merely unusual alike).
class scanner {
 public:
  scanner(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  std::size_t pos() const { return i_; }
  bool at_end() const { return i_ == s_.size(); }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }

  bool eat(char c) {
    if (peek() != c || at_end()) return false;
    ++i_;
    return true;
  }

  bool open() { return ++depth_ <= max_depth_; }
  void close() { --depth_; }

  void skip_ordinary() {
    while (i_ < s_.size() && string_bytes[static_cast<unsigned char>(s_[i_])] == 0) ++i_;
  }

  // A string without escapes (keys, the event name, the target): its bytes.
  bool plain_string(std::string_view& out) {
    if (!eat('"')) return false;
    const auto start = i_;
    skip_ordinary();
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    out = s_.substr(start, i_ - start);
    ++i_;
    return true;
  }

  // Any string of the subset: ASCII, simple escapes, \u outside the surrogates.
  bool string() {
    if (!eat('"')) return false;
    for (;;) {
      skip_ordinary();
      if (i_ >= s_.size()) return false;
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c != '\\') return false;
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      if (e == 'u') {
        if (s_.size() - i_ < 4) return false;
        unsigned v = 0;
        const auto r = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, v, 16);
        if (r.ec != std::errc() || r.ptr != s_.data() + i_ + 4) return false;
        if (v >= 0xD800 && v <= 0xDFFF) return false;  // pairs: the general path checks them
        i_ += 4;
      } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
                 e != 'r' && e != 't') {
        return false;
      }
    }
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)? and short: exponents and long numbers, which may not
  // survive a round trip through a double the same way, take the general path.
  bool number() {
    const auto start = i_;
    eat('-');
    if (eat('0')) {
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++i_;
    } else {
      return false;
    }
    if (eat('.')) {
      if (!(peek() >= '0' && peek() <= '9')) return false;
      while (peek() >= '0' && peek() <= '9') ++i_;
    }
    if (peek() == 'e' || peek() == 'E') return false;
    return i_ - start <= 18;
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool value() {
    skip_ws();
    switch (peek()) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool array() {
    if (!eat('[') || !open()) return false;
    skip_ws();
    if (!eat(']')) {
      for (;;) {
        if (!value()) return false;
        skip_ws();
        if (eat(']')) break;
        if (!eat(',')) return false;
      }
    }
    close();
    return true;
  }

  // An object; with `on_member`, called with each key and its value's span.
  template <typename F>
  bool object(F&& on_member) {
    if (!eat('{') || !open()) return false;
    skip_ws();
    if (!eat('}')) {
      for (;;) {
        skip_ws();
        std::string_view key;
        if (!plain_string(key)) return false;
        skip_ws();
        if (!eat(':')) return false;
        skip_ws();
        const auto start = i_;
        if (!value()) return false;
        on_member(key, s_.substr(start, i_ - start));
        skip_ws();
        if (eat('}')) break;
        if (!eat(',')) return false;
      }
    }
    close();
    return true;
  }
  bool object() {
    return object([](std::string_view, std::string_view) {});
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
  int depth_ = 0;
  int max_depth_;
};

}  // namespace

std::optional<relay_event> scan_relay(std::string_view text, int max_depth, std::size_t max_peer) {
  // EVENT on the main namespace, an optional acknowledgement id (as sio::parse reads it).
  if (text.size() < 2 || text[0] != '2') return std::nullopt;
  text.remove_prefix(1);
  relay_event ev;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits > 15) return std::nullopt;
  if (digits > 0) {
    std::uint64_t id = 0;
    std::from_chars(text.data(), text.data() + digits, id);
    ev.id = id;
    text.remove_prefix(digits);
  }

  scanner sc(text, max_depth);
  sc.skip_ws();
  if (!sc.eat('[') || !sc.open()) return std::nullopt;
  sc.skip_ws();
  if (!sc.plain_string(ev.type)) return std::nullopt;
  const char* field = payload_field(ev.type);
  if (!field) return std::nullopt;
  ev.field = field;
  sc.skip_ws();
  if (!sc.eat(',')) return std::nullopt;
  sc.skip_ws();
  // The message object: the last "to" and the last payload field win, as in nlohmann.
  std::optional<std::string_view> to_raw;
  std::optional<std::string_view> body;
  const bool ok = sc.object([&](std::string_view key, std::string_view value) {
    if (key == "to")
      to_raw = value;
    else if (key == ev.field)
      body = value;
  });
  if (!ok) return std::nullopt;
  sc.skip_ws();
  if (!sc.eat(']')) return std::nullopt;  // extra arguments: the general path
  sc.close();
  sc.skip_ws();
  if (!sc.at_end()) return std::nullopt;

  // The target: a plain string; the payload: an object. Anything else is an error the
  // general path words.
  if (!to_raw || !body || body->front() != '{') return std::nullopt;
  scanner to_sc(*to_raw, max_depth);
  if (!to_sc.plain_string(ev.to) || !to_sc.at_end()) return std::nullopt;
  if (ev.to.empty() || ev.to.size() > max_peer) return std::nullopt;
  ev.body = *body;
  return ev;
}

void append_json_string(std::string& out, std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      // Non-ASCII (or invalid) bytes: as nlohmann writes them.
      out += nlohmann::json(std::string(s))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
  }
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace camgate::signaling
