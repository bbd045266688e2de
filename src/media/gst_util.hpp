#pragma once
#include <string>

#include <gst/gst.h>

#include "media/gst_ref.hpp"

namespace camgate::media {

// Calls gst_init once per process unless the application did.
void ensure_gst_init();
// True when a GStreamer element factory of that name exists.
bool factory_exists(const char* name);
// An error message's text, prefixed with the name of the element that posted it.
std::string error_text(GstMessage* msg);
// gst_parse_launch of `desc`: the pipeline, or null with GStreamer's reason in `error`
// (a pipeline it half built despite an error is dropped).
gst_ref<GstElement> parse_pipeline(const std::string& desc, std::string& error);
// Every engine pipeline runs on the system clock, so their running times convert.
void use_system_clock(GstElement* pipeline);

}  // namespace camgate::media
