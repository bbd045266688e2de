// The strict camera URL and host parsers. Whatever they accept goes into a request line
// and a Host header, so beyond never crashing: an accepted URL prints back without a
// control, space or non-ASCII byte, parses again to itself, and its IP hosts are
// addresses the resolver reads the same way (no inet_aton forms).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "sources/camera_url.hpp"

using namespace camgate::sources;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool clean(std::string_view s) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f) return false;
  }
  return true;
}

void check_host(const std::string& host) {
  check(!host.empty() && clean(host));
  check(host.find_first_of("[]@/?#%") == std::string::npos);
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(host, ec);
  if (host.find(':') != std::string::npos) check(!ec);
  // A dotted quad is exactly what inet_pton reads; a name never looks like a number.
  if (!ec && ip.is_v4()) check(ip.to_string() == host);
}

void check_url(const camera_url& u) {
  check_host(u.host);
  check(u.port >= 1);
  check(!u.path.empty() && u.path.front() == '/');
  const auto text = u.to_string();
  check(clean(text) && clean(u.host_header()) && text.size() <= kMaxUrlBytes + 16);
  auto again = parse_camera_url(text);
  const auto* v = std::get_if<camera_url>(&again);
  check(v && v->host == u.host && v->port == u.port && v->path == u.path && v->https == u.https);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_camera_url(text); auto* u = std::get_if<camera_url>(&r)) check_url(*u);
  if (auto r = parse_camera_host(text); auto* h = std::get_if<camera_host>(&r)) {
    check_host(h->host);
    check_url(camera_url{h->host, 80, "/"});
  }
  if (auto u = parse_camera_url(text, "cam.local", 81)) check_url(*u);
  return 0;
}
