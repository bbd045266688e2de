#include "http/websocket_origin.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "http/cors_policy.hpp"

namespace camgate::httpd {
namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

struct authority {
  std::string host;  // lowercase; IPv6 with its brackets
  std::string port;  // empty when not given
};

// "host[:port]" or "[v6]:port"; nullopt when malformed.
std::optional<authority> parse_authority(std::string_view text) {
  authority a;
  std::string_view rest;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    a.host = lowercase(text.substr(0, close + 1));
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    a.host = lowercase(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
  }
  if (a.host.empty()) return std::nullopt;
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return std::nullopt;
    a.port = std::string(rest.substr(1));
    if (!std::all_of(a.port.begin(), a.port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
  }
  return a;
}

// The Origin's host and port are the Host header's, whatever the scheme.
bool same_origin(std::string_view origin, std::string_view host_header) {
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos ||
      origin.substr(sep + 3).find_first_of("/?#@") != std::string_view::npos)
    return false;
  const auto scheme = lowercase(origin.substr(0, sep));
  const bool web = scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss";
  auto o = parse_authority(origin.substr(sep + 3));
  auto h = parse_authority(core::trim(host_header));
  if (!web || !o || !h || o->host != h->host) return false;
  const std::string o_port =
      !o->port.empty() ? o->port : (scheme == "https" || scheme == "wss" ? "443" : "80");
  // A Host without a port is on the scheme's default one, which the proxy in front may
  // have changed (https outside, http inside): either default matches.
  if (h->port.empty()) return o_port == "80" || o_port == "443";
  return o_port == h->port;
}

}  // namespace

websocket_origin::websocket_origin() = default;

websocket_origin::websocket_origin(const std::vector<std::string>& allowed_origins) {
  std::vector<std::string> exact;
  std::copy_if(allowed_origins.begin(), allowed_origins.end(), std::back_inserter(exact),
               [](const std::string& o) { return o != "*"; });
  if (exact.empty()) return;
  cors_options o;
  o.allowed_origins = std::move(exact);
  o.allow_credentials = false;
  listed_ = std::make_shared<const cors_policy>(std::move(o));
}

bool websocket_origin::allowed(const request& req) const {
  const auto it = req.find(http::field::origin);
  if (it == req.end()) return true;
  const auto origin = core::trim(std::string_view(it->value().data(), it->value().size()));
  if (origin.empty()) return false;
  const auto host = req[http::field::host];
  if (same_origin(origin, std::string_view(host.data(), host.size()))) return true;
  return listed_ && listed_->origin_allowed(origin);
}

std::optional<response> websocket_origin::check(const request& req) const {
  if (allowed(req)) return std::nullopt;
  return json_error(http::status::forbidden,
                    "WebSocket from another origin: the page's origin must be this server's "
                    "or listed in [cors] allowed_origins");
}

}  // namespace camgate::httpd
