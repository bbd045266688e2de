#include "media/ice_config.hpp"

#include "media/gst_ref.hpp"
#include "media/ice_uri.hpp"

namespace camgate::media {

void configure_ice(GstElement* webrtc, const std::vector<ice_server>& servers,
                   const std::vector<std::string>& local_addresses) {
  bool have_stun = false;
  for (const auto& s : servers)
    for (const auto& url : s.urls) {
      const auto uri = gst_ice_uri(url, s.username, s.credential);
      if (uri.rfind("stun://", 0) == 0) {
        if (!have_stun) g_object_set(webrtc, "stun-server", uri.c_str(), nullptr);
        have_stun = true;
      } else if (!uri.empty()) {
        gboolean ok = FALSE;
        g_signal_emit_by_name(webrtc, "add-turn-server", uri.c_str(), &ok);
      }
    }
  if (local_addresses.empty()) return;
  GObject* agent = nullptr;
  g_object_get(webrtc, "ice-agent", &agent, nullptr);
  gobject_ref<GObject> ice(agent);
  if (!ice) return;
  for (const auto& a : local_addresses) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(ice.get(), "add-local-ip-address", a.c_str(), &ok);
  }
}

}  // namespace camgate::media
