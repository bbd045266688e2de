#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace camgate::webrtc {

// One ICE candidate of an m-line: "candidate:..." (no "a=" prefix, no line end).
struct ice_candidate {
  unsigned mline = 0;
  std::string candidate;
};

// A WHEP PATCH body (RFC 8840 application/trickle-ice-sdpfrag).
struct sdp_fragment {
  std::string ice_ufrag;  // empty when the fragment names none
  std::string ice_pwd;
  std::vector<ice_candidate> candidates;
  bool end_of_candidates = false;
};

// Parses a trickle-ice-sdpfrag. `mids` are the offer's a=mid values by m-line: a
// fragment's "a=mid:X" maps its candidates to that m-line (m-lines without a mid count
// in order). Every line is checked: the error says which one is wrong.
std::variant<sdp_fragment, std::string> parse_sdp_fragment(std::string_view body,
                                                           const std::vector<std::string>& mids);

// The first a=ice-ufrag of an SDP (session or media level).
std::optional<std::string> ice_ufrag(std::string_view sdp);

// `sdp` with our gathered candidates added to their m-sections (and a=end-of-candidates
// when `complete`), so a WHEP client that cannot receive trickled candidates has them.
std::string with_candidates(std::string_view sdp, const std::vector<ice_candidate>& candidates,
                            bool complete);

// Checks the shape of an SDP offer before it reaches GStreamer: "v=0" first, only
// "x=..." lines of printable text, at most `max_lines`. nullopt when fine.
std::optional<std::string> sdp_shape_error(std::string_view sdp, std::size_t max_lines = 2000);

}  // namespace camgate::webrtc
