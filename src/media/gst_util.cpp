#include "media/gst_util.hpp"

#include <mutex>

#include "media/gst_ref.hpp"

namespace camgate::media {

void ensure_gst_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!gst_is_initialized()) gst_init(nullptr, nullptr);
  });
}

bool factory_exists(const char* name) {
  ensure_gst_init();
  return gst_ref<GstElementFactory>(gst_element_factory_find(name)) != nullptr;
}

std::string error_text(GstMessage* msg) {
  GError* err = nullptr;
  gchar* dbg = nullptr;
  gst_message_parse_error(msg, &err, &dbg);
  std::string text = err ? err->message : "unknown error";
  if (GST_MESSAGE_SRC(msg)) text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + text;
  if (err) g_error_free(err);
  g_free(dbg);
  return text;
}

gst_ref<GstElement> parse_pipeline(const std::string& desc, std::string& error) {
  GError* err = nullptr;
  gst_ref<GstElement> p(gst_parse_launch(desc.c_str(), &err));
  if (!err) return p;
  error = err->message;
  g_error_free(err);
  return {};
}

void use_system_clock(GstElement* pipeline) {
  gst_ref<GstClock> sysclock(gst_system_clock_obtain());
  gst_pipeline_use_clock(GST_PIPELINE(pipeline), sysclock.get());
}

}  // namespace camgate::media
