#pragma once
#include <string>

#include <gst/gst.h>

namespace camgate::media {

// Calls gst_init once per process unless the application did.
void ensure_gst_init();
// True when a GStreamer element factory of that name exists.
bool factory_exists(const char* name);
// An error message's text, prefixed with the name of the element that posted it.
std::string error_text(GstMessage* msg);
// Every engine pipeline runs on the system clock, so their running times convert.
void use_system_clock(GstElement* pipeline);

}  // namespace camgate::media
