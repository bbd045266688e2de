#include "sources/camera_url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace camgate::sources {
namespace {

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

std::string bracketed(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Control bytes, space, DEL and anything outside ASCII.
bool has_unsafe_byte(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b <= 0x20 || b >= 0x7f;
  });
}

// "a.b.c.d", each 0..255 in decimal without leading zeros (a leading zero is octal to
// inet_aton, so "010.0.0.1" would be 8.0.0.1 to the resolver and 10.0.0.1 to a reader).
bool is_dotted_quad(std::string_view s) {
  int parts = 0;
  while (true) {
    const auto dot = s.find('.');
    const auto part = s.substr(0, dot);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), is_digit))
      return false;
    if (part.size() > 1 && part.front() == '0') return false;
    if (std::stoi(std::string(part)) > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return parts == 4;
}

// Whether the resolver would read this as a number (decimal, 0x hex or octal) rather
// than a name: true when the last label is numeric, as the URL standard decides.
bool looks_numeric(std::string_view s) {
  const auto dot = s.rfind('.');
  auto last = dot == std::string_view::npos ? s : s.substr(dot + 1);
  if (last.empty() && dot != std::string_view::npos) {  // "1.2.3.4." ends in a dot
    s.remove_suffix(1);
    return looks_numeric(s);
  }
  if (!last.empty() && std::all_of(last.begin(), last.end(), is_digit)) return true;
  if (istarts_with(last, "0x")) return std::all_of(last.begin() + 2, last.end(), is_hex);
  return false;
}

// RFC 1123 host name: labels of letters, digits and '-', 1..63 bytes, 253 in all.
bool is_host_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  while (true) {
    const auto dot = s.find('.');
    const auto label = s.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// IPv6 text as inet_pton takes it: hex groups, "::" at most once, an optional IPv4 tail.
// Compared, not canonicalised, by the caller through the lower-cased form.
bool is_ipv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  int groups = 0;
  bool elided = false;
  std::size_t i = 0;
  if (s.starts_with("::")) {
    elided = true;
    i = 2;
    if (i == s.size()) return true;
  } else if (s.front() == ':') {
    return false;
  }
  while (i < s.size()) {
    const auto colon = s.find(':', i);
    const auto group =
        s.substr(i, colon == std::string_view::npos ? std::string_view::npos : colon - i);
    if (group.find('.') != std::string_view::npos) {
      // An IPv4 tail ends the address and counts as two groups.
      if (colon != std::string_view::npos || !is_dotted_quad(group)) return false;
      groups += 2;
      break;
    }
    if (group.empty() || group.size() > 4 || !std::all_of(group.begin(), group.end(), is_hex))
      return false;
    ++groups;
    if (colon == std::string_view::npos) break;
    i = colon + 1;
    if (i < s.size() && s[i] == ':') {
      if (elided) return false;
      elided = true;
      ++i;
    } else if (i == s.size()) {
      return false;  // a single trailing ':'
    }
  }
  return elided ? groups <= 7 : groups == 8;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// RFC 3986: pchar = unreserved / pct-encoded / sub-delims / ":" / "@"; path and query
// add "/" and "?".
bool is_path_char(char c) {
  static constexpr std::string_view extra = "-._~!$&'()*+,;=:@/?";
  return is_alnum(c) || extra.find(c) != std::string_view::npos;
}

std::optional<std::string> path_error(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%') {
      if (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2]))
        return "the URL path has a '%' that is not followed by two hex digits";
      i += 2;
    } else if (!is_path_char(path[i])) {
      return std::string("the URL path has a character that must be percent-encoded: '") + path[i] +
             "'";
    }
  }
  return std::nullopt;
}

std::optional<std::string> common_error(std::string_view text, std::string_view what) {
  if (text.size() > kMaxUrlBytes)
    return std::string(what) + " is longer than " + std::to_string(kMaxUrlBytes) + " bytes";
  if (has_unsafe_byte(text))
    return std::string(what) + " has a space, control or non-ASCII character";
  return std::nullopt;
}

// The host of an authority or a bare host field; `bare_v6` allows "::1" without brackets.
host_result parse_host(std::string_view s, bool bare_v6) {
  camera_host out;
  if (s.empty()) return std::string("the camera host is empty");
  if (s.front() == '[') {
    if (s.back() != ']' || s.size() < 3) return std::string("an IPv6 host needs one ']'");
    s = s.substr(1, s.size() - 2);
    if (!is_ipv6(s)) return std::string("the host in brackets is not an IPv6 address");
    out.type = camera_host::kind::ipv6;
  } else if (s.find(':') != std::string_view::npos) {
    if (!bare_v6 || !is_ipv6(s))
      return std::string("an IPv6 host must be written in brackets, like [fe80::1]");
    out.type = camera_host::kind::ipv6;
  } else if (looks_numeric(s)) {
    if (!is_dotted_quad(s))
      return std::string("an IPv4 host must be four decimal numbers 0-255, like 192.168.1.20");
    out.type = camera_host::kind::ipv4;
  } else if (!is_host_name(s)) {
    return std::string("the camera host is not an IP address or host name");
  }
  out.host = lower(s);
  return out;
}

}  // namespace

std::string camera_url::to_string() const {
  return (https ? "https://" : "http://") + bracketed(host) + ":" + std::to_string(port) + path;
}

std::string camera_url::host_header() const {
  return port == (https ? 443 : 80) ? bracketed(host)
                                    : bracketed(host) + ":" + std::to_string(port);
}

host_result parse_camera_host(std::string_view host) {
  if (auto e = common_error(host, "the camera host")) return *e;
  return parse_host(host, true);
}

url_result parse_camera_url(std::string_view url) {
  if (auto e = common_error(url, "the camera URL")) return *e;
  camera_url out;
  if (istarts_with(url, "http://")) {
    url.remove_prefix(7);
  } else if (istarts_with(url, "https://")) {
    url.remove_prefix(8);
    out.https = true;
    out.port = 443;
  } else {
    return std::string("the camera URL must start with http://");
  }
  const auto end = url.find_first_of("/?#");
  const auto authority = url.substr(0, end);
  url = end == std::string_view::npos ? std::string_view{} : url.substr(end);
  if (authority.find('@') != std::string_view::npos)
    return std::string("credentials in the camera URL (user@host) are not supported");
  // The port follows the last ':' after any IPv6 bracket.
  const auto close = authority.rfind(']');
  const auto colon = authority.rfind(':');
  std::string_view host = authority;
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    host = authority.substr(0, colon);
    const auto port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || port.size() > 5 || ec != std::errc{} || p != port.data() + port.size() ||
        value == 0 || value > 65535)
      return std::string("the camera URL's port must be a number from 1 to 65535");
    out.port = static_cast<std::uint16_t>(value);
  }
  if (std::count(authority.begin(), authority.end(), '[') > 1 ||
      std::count(authority.begin(), authority.end(), ']') > 1)
    return std::string("an IPv6 host goes in exactly one pair of brackets");
  auto h = parse_host(host, false);
  if (auto* e = std::get_if<std::string>(&h)) return std::move(*e);
  out.host = std::get<camera_host>(h).host;
  if (const auto hash = url.find('#'); hash != std::string_view::npos) {
    if (auto e = path_error(url.substr(hash + 1))) return *e;
    url = url.substr(0, hash);
  }
  if (auto e = path_error(url)) return *e;
  if (url.empty()) {
    out.path = "/";
  } else if (url.front() == '?') {
    out.path = "/" + std::string(url);
  } else {
    out.path = std::string(url);
  }
  return out;
}

std::optional<camera_url> parse_camera_url(std::string_view url, std::string_view default_host,
                                           std::uint16_t default_port) {
  if (url.empty()) return std::nullopt;
  if (url.front() == '/') {
    if (default_host.empty() || default_port == 0) return std::nullopt;
    url = url.substr(0, url.find('#'));
    if (common_error(url, "") || path_error(url)) return std::nullopt;
    auto h = parse_camera_host(default_host);
    if (!std::holds_alternative<camera_host>(h)) return std::nullopt;
    return camera_url{std::get<camera_host>(h).host, default_port, std::string(url)};
  }
  auto parsed = url.find("://") == std::string_view::npos
                    ? parse_camera_url("http://" + std::string(url))
                    : parse_camera_url(url);
  auto* u = std::get_if<camera_url>(&parsed);
  if (!u || u->https) return std::nullopt;
  return std::move(*u);
}

}  // namespace camgate::sources
