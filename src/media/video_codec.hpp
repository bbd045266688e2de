#pragma once
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::media {

enum class video_codec { h264, vp8 };

std::string_view to_string(video_codec c);
// "h264"/"H264", "vp8"/"VP8"; nullopt otherwise.
std::optional<video_codec> parse_video_codec(std::string_view text);

// One payload format of an SDP video section: a=rtpmap, a=fmtp, a=rtcp-fb for one PT.
struct offered_format {
  int payload = -1;
  std::string encoding;  // upper case: "H264", "VP8", "RTX"...
  int clock_rate = 0;
  std::map<std::string, std::string> fmtp;  // keys lower case
  std::vector<std::string> rtcp_fb;         // "nack", "nack pli", "ccm fir", "transport-cc"...
};

// The first video m-line of an offer.
struct offered_video {
  int mline_index = -1;
  std::string mid;
  std::string direction = "sendrecv";
  std::vector<offered_format> formats;  // in the order of the m-line's payload list
};

// Parses the first "m=video" section of an SDP. nullopt when there is none or the
// text is not SDP at all. Tolerates CRLF or LF, unknown lines and junk values.
std::optional<offered_video> parse_video_offer(std::string_view sdp);

// The a=mid of every m-line, in order ("" where a section has none).
std::vector<std::string> media_ids(std::string_view sdp);

// What we send to one viewer: the codec and the offer's format we answer with.
struct codec_choice {
  video_codec codec = video_codec::h264;
  offered_format format;
};

// Picks the format to answer with: codecs in `preference` order (only those we can
// encode); for H.264 only packetization-mode=1, best a constrained-baseline
// profile-level-id (42e0xx, then 42c0xx / 4200xx, then main 4dxx, then high 64xx).
std::optional<codec_choice> select_codec(const offered_video& offer,
                                         std::span<const video_codec> preference);

// The H.264 profile-level-id we advertise and produce (constrained baseline, level 3.1).
inline constexpr std::string_view default_profile_level_id = "42e01f";

}  // namespace camgate::media
