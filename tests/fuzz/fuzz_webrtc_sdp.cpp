// WHEP bodies: the trickle-ICE fragment parser, the offer's shape check, and the answer
// rewriting. Beyond never crashing: every accepted candidate is one printable line that
// names an m-line of the offer, and rewriting an accepted offer keeps it one x=... line
// per line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "webrtc/sdp_fragment.hpp"

using namespace camgate::webrtc;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool one_printable_line(std::string_view s) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> mids{"0", "video0", "1"};
  auto parsed = parse_sdp_fragment(text, mids);
  if (auto* f = std::get_if<sdp_fragment>(&parsed)) {
    check(f->candidates.size() <= 64);
    for (const auto& c : f->candidates) {
      check(c.mline < 64);
      check(c.candidate.starts_with("candidate:") && one_printable_line(c.candidate));
    }
    check(one_printable_line(f->ice_ufrag) && one_printable_line(f->ice_pwd));
    const auto answer =
        with_candidates("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", f->candidates, true);
    check(answer.find('\0') == std::string::npos);
  }
  if (!sdp_shape_error(text)) {
    const auto again = with_candidates(text, {}, false);
    check(!sdp_shape_error(again));
  }
  (void)ice_ufrag(text);
  return 0;
}
