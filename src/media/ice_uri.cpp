#include "media/ice_uri.hpp"

#include <glib.h>

namespace camgate::media {

std::string gst_ice_uri(const std::string& url, const std::string& user, const std::string& pass) {
  const auto colon = url.find(':');
  if (colon == std::string::npos) return {};
  const std::string scheme = url.substr(0, colon);
  std::string rest = url.substr(colon + 1);
  while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  if (scheme == "stun" || scheme == "stuns") return "stun://" + rest;
  if (scheme != "turn" && scheme != "turns") return {};
  auto esc = [](const std::string& s) {
    gchar* e = g_uri_escape_string(s.c_str(), nullptr, FALSE);
    std::string out = e;
    g_free(e);
    return out;
  };
  return scheme + "://" + esc(user) + ":" + esc(pass) + "@" + rest;
}

}  // namespace camgate::media
