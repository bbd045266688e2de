#pragma once
#include <string>
#include <vector>

#include <gst/gst.h>

#include "media/media_options.hpp"

namespace camgate::media {

// Gives a webrtcbin its STUN/TURN servers (RTCIceServer form) and the local addresses
// libnice may use (none: every interface but loopback).
void configure_ice(GstElement* webrtc, const std::vector<ice_server>& servers,
                   const std::vector<std::string>& local_addresses);

}  // namespace camgate::media
