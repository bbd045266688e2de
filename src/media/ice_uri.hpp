#pragma once
#include <string>

namespace camgate::media {

// An RTCIceServer url in webrtcbin's form, with the credentials in it:
// "turn:host:port?transport=udp" + user/pass -> "turn://user:pass@host:port?transport=udp",
// "stun:host:port" -> "stun://host:port". Empty for any other scheme.
std::string gst_ice_uri(const std::string& url, const std::string& user, const std::string& pass);

}  // namespace camgate::media
