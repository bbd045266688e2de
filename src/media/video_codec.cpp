#include "media/video_codec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/text.hpp"

namespace camgate::media {
namespace {

using core::trim;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::optional<int> to_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}
// "PT rest" -> (PT, rest)
std::optional<std::pair<int, std::string_view>> split_pt(std::string_view s) {
  const auto sp = s.find(' ');
  auto pt = to_int(s.substr(0, sp));
  if (!pt || *pt < 0 || *pt > 127) return std::nullopt;
  return std::pair{*pt, sp == std::string_view::npos ? std::string_view{} : trim(s.substr(sp + 1))};
}

// Score of an H.264 format for our constrained-baseline stream; < 0: unusable.
int h264_score(const offered_format& f) {
  auto pm = f.fmtp.find("packetization-mode");
  if (pm == f.fmtp.end() || trim(pm->second) != "1") return -1;
  std::string plid = "420010";  // RFC 6184 default
  if (auto it = f.fmtp.find("profile-level-id"); it != f.fmtp.end()) plid = lower(trim(it->second));
  if (plid.size() != 6) return -1;
  unsigned value = 0;
  auto [p, ec] = std::from_chars(plid.data(), plid.data() + 6, value, 16);
  if (ec != std::errc{} || p != plid.data() + 6) return -1;
  const unsigned profile_idc = value >> 16, iop = (value >> 8) & 0xff;
  int score = 0;
  if (profile_idc == 0x42)
    score = (iop & 0x40) ? ((iop & 0x20) ? 40 : 30) : 25;  // constrained baseline best
  else if (profile_idc == 0x4d)
    score = 20;
  else if (profile_idc == 0x64)
    score = 10;
  else
    return -1;
  // A level able to carry 720p30 (3.1 = 0x1f) ranks higher.
  if ((value & 0xff) >= 0x1f) score += 5;
  return score;
}

}  // namespace

std::string_view to_string(video_codec c) {
  return c == video_codec::h264 ? "h264" : "vp8";
}

std::optional<video_codec> parse_video_codec(std::string_view text) {
  const auto t = lower(text);
  if (t == "h264" || t == "h.264" || t == "avc") return video_codec::h264;
  if (t == "vp8") return video_codec::vp8;
  return std::nullopt;
}

std::optional<offered_video> parse_video_offer(std::string_view sdp) {
  if (sdp.substr(0, 2) != "v=") return std::nullopt;
  offered_video video;
  int mline = -1;
  bool in_video = false, found = false;
  std::size_t pos = 0;
  while (pos < sdp.size()) {
    auto end = sdp.find('\n', pos);
    if (end == std::string_view::npos) end = sdp.size();
    const auto line = trim(sdp.substr(pos, end - pos));
    pos = end + 1;
    if (line.size() < 2 || line[1] != '=') continue;
    if (line[0] == 'm') {
      ++mline;
      if (found) break;  // only the first video section
      in_video = line.substr(2, 6) == "video ";
      if (!in_video) continue;
      found = true;
      video.mline_index = mline;
      // m=video PORT PROTO PT PT ...
      std::string_view rest = line.substr(2);
      for (int field = 0; !rest.empty(); ++field) {
        const auto sp = rest.find(' ');
        const auto tok = rest.substr(0, sp);
        rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
        if (field < 3) continue;
        if (auto pt = to_int(tok); pt && *pt >= 0 && *pt <= 127) {
          offered_format f;
          f.payload = *pt;
          video.formats.push_back(std::move(f));
        }
      }
      continue;
    }
    if (!in_video || line[0] != 'a') continue;
    const auto attr = line.substr(2);
    const auto colon = attr.find(':');
    const auto name = attr.substr(0, colon);
    const auto value =
        colon == std::string_view::npos ? std::string_view{} : attr.substr(colon + 1);
    if (name == "sendrecv" || name == "sendonly" || name == "recvonly" || name == "inactive") {
      video.direction = std::string(name);
      continue;
    }
    if (name == "mid") {
      video.mid = std::string(trim(value));
      continue;
    }
    if (name != "rtpmap" && name != "fmtp" && name != "rtcp-fb") continue;
    auto pt_rest = split_pt(value);
    if (!pt_rest) continue;
    auto it = std::find_if(video.formats.begin(), video.formats.end(),
                           [&](const offered_format& f) { return f.payload == pt_rest->first; });
    if (it == video.formats.end()) continue;
    const auto rest = pt_rest->second;
    if (name == "rtpmap") {
      const auto slash = rest.find('/');
      it->encoding = upper(trim(rest.substr(0, slash)));
      if (slash != std::string_view::npos) {
        auto r = rest.substr(slash + 1);
        r = r.substr(0, r.find('/'));
        it->clock_rate = to_int(trim(r)).value_or(0);
      }
    } else if (name == "fmtp") {
      std::string_view params = rest;
      while (!params.empty()) {
        const auto semi = params.find(';');
        const auto kv = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        const auto eq = kv.find('=');
        if (kv.empty()) continue;
        if (eq == std::string_view::npos)
          it->fmtp[lower(kv)] = "";
        else
          it->fmtp[lower(trim(kv.substr(0, eq)))] = std::string(trim(kv.substr(eq + 1)));
      }
    } else {
      it->rtcp_fb.emplace_back(rest);
    }
  }
  if (!found) return std::nullopt;
  return video;
}

std::vector<std::string> media_ids(std::string_view sdp) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < sdp.size()) {
    auto end = sdp.find('\n', pos);
    if (end == std::string_view::npos) end = sdp.size();
    const auto line = trim(sdp.substr(pos, end - pos));
    pos = end + 1;
    if (line.substr(0, 2) == "m=")
      out.emplace_back();
    else if (!out.empty() && line.substr(0, 6) == "a=mid:")
      out.back() = std::string(trim(line.substr(6)));
  }
  return out;
}

std::optional<codec_choice> select_codec(const offered_video& offer,
                                         std::span<const video_codec> preference) {
  for (const auto codec : preference) {
    const offered_format* best = nullptr;
    int best_score = -1;
    for (const auto& f : offer.formats) {
      if (f.clock_rate != 90000) continue;
      int score = -1;
      if (codec == video_codec::h264 && f.encoding == "H264")
        score = h264_score(f);
      else if (codec == video_codec::vp8 && f.encoding == "VP8")
        score = 1;
      if (score > best_score) {
        best = &f;
        best_score = score;
      }
    }
    if (best) return codec_choice{codec, *best};
  }
  return std::nullopt;
}

}  // namespace camgate::media
