#include "media/signaling_json.hpp"

namespace camgate::media {

std::string sdp_of(const nlohmann::json& d) {
  if (d.is_string()) return d.get<std::string>();
  if (d.is_object())
    if (auto it = d.find("sdp"); it != d.end() && it->is_string()) return it->get<std::string>();
  return {};
}

std::optional<remote_candidate> candidate_of(const nlohmann::json& c,
                                             const std::vector<std::string>& mids) {
  if (!c.is_object()) return std::nullopt;
  auto text = c.find("candidate");
  if (text == c.end() || !text->is_string()) return std::nullopt;
  remote_candidate r;
  r.candidate = text->get<std::string>();
  if (r.candidate.rfind("a=", 0) == 0) r.candidate.erase(0, 2);
  if (r.candidate.empty()) return std::nullopt;
  if (auto m = c.find("sdpMLineIndex"); m != c.end() && m->is_number_unsigned()) {
    r.mline = m->get<unsigned>();
  } else if (auto mid = c.find("sdpMid"); mid != c.end() && mid->is_string()) {
    for (unsigned i = 0; i < mids.size(); ++i)
      if (mids[i] == mid->get_ref<const std::string&>()) r.mline = i;
  }
  return r;
}

nlohmann::json candidate_json(unsigned mline, std::string candidate,
                              const std::vector<std::string>& mids) {
  if (candidate.rfind("a=", 0) == 0) candidate.erase(0, 2);
  const std::string mid =
      mline < mids.size() && !mids[mline].empty() ? mids[mline] : std::to_string(mline);
  return {{"candidate", std::move(candidate)}, {"sdpMid", mid}, {"sdpMLineIndex", mline}};
}

nlohmann::json description_json(const char* type, const std::string& sdp) {
  return {{"type", type}, {"sdp", sdp}};
}

}  // namespace camgate::media
