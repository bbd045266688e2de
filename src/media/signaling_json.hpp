#pragma once
// The signaling messages' WebRTC payloads (docs/signaling-protocol.md), read and written
// the same way by camgate-robot and by the gateway's robot relay.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace camgate::media {

// The SDP of an "offer"/"answer" payload: {"type": ..., "sdp": "..."} or the bare
// string; empty when there is none.
std::string sdp_of(const nlohmann::json& description);

struct remote_candidate {
  unsigned mline = 0;
  std::string candidate;  // without "a="
};
// An "ice-candidate" payload: {"candidate", "sdpMLineIndex" | "sdpMid"}. nullopt for the
// end of candidates (null, an empty candidate) and for anything malformed. `mids` are the
// session's media ids in m-line order (media_ids of its offer), to resolve sdpMid.
std::optional<remote_candidate> candidate_of(const nlohmann::json& payload,
                                             const std::vector<std::string>& mids);

// Our candidate as a payload, with the sdpMid of `mline` in `mids` (else the index).
nlohmann::json candidate_json(unsigned mline, std::string candidate,
                              const std::vector<std::string>& mids);

// {"type": type, "sdp": sdp}
nlohmann::json description_json(const char* type, const std::string& sdp);

}  // namespace camgate::media
