#include "http/static_files.hpp"

#include <fstream>
#include <iterator>

namespace camgate::httpd {

std::string_view content_type_for(const std::filesystem::path& file) {
  const auto ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  // The web app manifest's own type (W3C Web App Manifest, IANA registered).
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".yaml" || ext == ".yml") return "application/yaml";
  return "application/octet-stream";
}

handler static_files(std::filesystem::path root) {
  root = std::filesystem::weakly_canonical(root);
  return [root](request_context& ctx) -> asio::awaitable<response> {
    // A NUL (from %00) would cut the name short in the C calls below: "a.js\0.txt".
    if (ctx.path.find('\0') != std::string::npos)
      co_return json_error(http::status::bad_request, "bad request target: NUL in the path");
    std::filesystem::path rel = ctx.path == "/" ? "index.html" : ctx.path.substr(1);
    auto file = std::filesystem::weakly_canonical(root / rel);
    // Refuse anything that resolves outside the web root ("..", symlinks).
    auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    if (r != root.end() || !std::filesystem::is_regular_file(file))
      co_return json_error(http::status::not_found, "no such file: " + ctx.path);
    std::ifstream in(file, std::ios::binary);
    std::string body{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto res = bytes_response(http::status::ok, content_type_for(file), std::move(body));
    // no-cache: every file is revalidated, so a new deploy (and a new sw.js, which
    // browsers fetch to look for an update) is seen on the next load.
    res.message.set(http::field::cache_control, "no-cache");
    res.message.set("X-Content-Type-Options", "nosniff");
    co_return res;
  };
}

}  // namespace camgate::httpd
