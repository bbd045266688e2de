#pragma once
#include <string>
#include <vector>

#include "media/media_options.hpp"
#include "media/video_codec.hpp"

namespace camgate::media {

// What the capture pipeline is made of, as gst-launch descriptions.

// The source, up to raw I420 frames (media_engine::capture_description). Throws
// std::runtime_error for an unknown source.
std::string capture_description(const media_options& o);
// The whole capture: the source ! tee name=raw, then per usable codec
//   raw. ! queue ! valve name=valve_<codec> ! encoder name=enc_<codec> ! appsink name=sink_<codec>
// with every valve closed.
std::string full_capture_description(const media_options& o, const std::string& h264_factory);
// opts.codecs without duplicates and without those we have no encoder for.
std::vector<video_codec> usable_codecs(const media_options& o, const std::string& h264_factory);

// Throws std::runtime_error when an encoder or source element the options need is not
// installed; returns the H.264 encoder to use ("" when "auto" finds none and H.264 is
// not needed).
std::string check_capture_elements(const media_options& o);

}  // namespace camgate::media
