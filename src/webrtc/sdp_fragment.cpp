#include "webrtc/sdp_fragment.hpp"

#include <algorithm>

namespace camgate::webrtc {
namespace {

constexpr std::size_t max_candidates = 64;
constexpr std::size_t max_line = 1024;

// Splits on LF, dropping a CR before it.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

// "candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ..."
bool plausible_candidate(std::string_view c) {
  if (!c.starts_with("candidate:") || c.size() > 512) return false;
  int fields = 0;
  bool in_field = false;
  for (char ch : c) {
    if (ch == ' ') {
      in_field = false;
    } else if (!in_field) {
      in_field = true;
      ++fields;
    }
  }
  return fields >= 8 && c.find(" typ ") != std::string_view::npos;
}

}  // namespace

std::variant<sdp_fragment, std::string> parse_sdp_fragment(std::string_view body,
                                                           const std::vector<std::string>& mids) {
  sdp_fragment out;
  int section = -1;  // index of the current m= line of the fragment
  std::optional<unsigned> mline;
  int n = 0;
  for (auto line : lines_of(body)) {
    ++n;
    if (line.empty()) continue;
    const std::string where = "line " + std::to_string(n) + ": ";
    if (line.size() > max_line || !printable(line))
      return where + "not a printable SDP line of at most 1024 bytes";
    if (line.size() < 2 || line[1] != '=') return where + "not an SDP line (x=...)";
    if (line.starts_with("m=")) {
      ++section;
      mline = static_cast<unsigned>(section);  // until an a=mid says otherwise
      continue;
    }
    if (!line.starts_with("a=")) continue;  // c=, o=, ... carry nothing for trickle
    const auto attr = line.substr(2);
    if (attr.starts_with("ice-ufrag:")) {
      out.ice_ufrag = std::string(attr.substr(10));
    } else if (attr.starts_with("ice-pwd:")) {
      out.ice_pwd = std::string(attr.substr(8));
    } else if (attr.starts_with("mid:")) {
      const auto mid = attr.substr(4);
      auto it = std::find(mids.begin(), mids.end(), mid);
      if (it == mids.end()) return where + "a=mid:" + std::string(mid) + " is not in the offer";
      mline = static_cast<unsigned>(it - mids.begin());
    } else if (attr == "end-of-candidates") {
      out.end_of_candidates = true;
    } else if (attr.starts_with("candidate:")) {
      if (!plausible_candidate(attr)) return where + "malformed ICE candidate";
      if (out.candidates.size() >= max_candidates)
        return "more than " + std::to_string(max_candidates) + " candidates in one fragment";
      out.candidates.push_back({mline.value_or(0), std::string(attr)});
    }
  }
  return out;
}

std::optional<std::string> ice_ufrag(std::string_view sdp) {
  for (auto line : lines_of(sdp))
    if (line.starts_with("a=ice-ufrag:")) return std::string(line.substr(12));
  return std::nullopt;
}

std::string with_candidates(std::string_view sdp, const std::vector<ice_candidate>& candidates,
                            bool complete) {
  const auto lines = lines_of(sdp);
  std::string out;
  out.reserve(sdp.size() + candidates.size() * 100 + 64);
  int section = -1;
  auto close_section = [&] {
    if (section < 0) return;
    for (const auto& c : candidates)
      if (c.mline == static_cast<unsigned>(section)) out += "a=" + c.candidate + "\r\n";
    if (complete) out += "a=end-of-candidates\r\n";
  };
  for (auto line : lines) {
    if (line.empty()) continue;
    if (line.starts_with("m=")) {
      close_section();
      ++section;
    }
    out.append(line);
    out += "\r\n";
  }
  close_section();
  return out;
}

std::optional<std::string> sdp_shape_error(std::string_view sdp, std::size_t max_lines) {
  const auto lines = lines_of(sdp);
  if (lines.empty() || lines.front() != "v=0") return "an SDP offer starts with v=0";
  if (lines.size() > max_lines)
    return "the SDP has more than " + std::to_string(max_lines) + " lines";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto line = lines[i];
    if (line.empty() && i + 1 == lines.size()) break;
    if (line.size() < 2 || line[1] != '=' || line.size() > max_line || !printable(line))
      return "SDP line " + std::to_string(i + 1) + " is not an x=... line of printable text";
  }
  if (sdp.find("\nm=video") == std::string_view::npos) return "the offer has no video section";
  return std::nullopt;
}

}  // namespace camgate::webrtc
