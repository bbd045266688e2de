#include "http/router.hpp"

namespace camgate::httpd {
namespace {
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}
}  // namespace

void router::add(http::verb method, std::string pattern, handler h, access a) {
  route r{method, {}, std::move(h), a};
  for (auto seg : split_path(pattern)) r.segments.emplace_back(seg);
  routes_.push_back(std::move(r));
}

void router::set_fallback(handler h, access a) {
  fallback_ = std::move(h);
  fallback_access_ = a;
}

bool router::match(const route& r, const std::vector<std::string_view>& path,
                   request_context& ctx) {
  if (r.segments.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto& seg = r.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') continue;
    if (seg != path[i]) return false;
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto& seg = r.segments[i];
    if (seg.size() > 2 && seg.front() == '{')
      ctx.params[seg.substr(1, seg.size() - 2)] = std::string(path[i]);
  }
  return true;
}

std::optional<response> router::authenticate(access a, request_context& ctx) const {
  if (a == access::open) return std::nullopt;
  if (!authenticator_) return json_error(http::status::unauthorized, "authentication required");
  auto outcome = authenticator_(ctx);
  if (auto* who = std::get_if<authenticated>(&outcome)) {
    ctx.identity = who->identity;
    ctx.token_expires_at = who->expires_at;
    if (admission_) return admission_(ctx);
    return std::nullopt;
  }
  auto r = json_error(http::status::unauthorized, std::get<std::string>(outcome));
  r.message.set(http::field::www_authenticate, "Bearer");
  return r;
}

asio::awaitable<response> router::dispatch(request_context& ctx) const {
  const auto path = split_path(ctx.path);
  const auto method = ctx.req.method();
  bool path_known = false;
  for (const auto& r : routes_) {
    ctx.params.clear();
    if (!match(r, path, ctx)) continue;
    path_known = true;
    // HEAD is answered by the GET handler; the session drops the body.
    if (r.method != method && !(method == http::verb::head && r.method == http::verb::get))
      continue;
    if (auto denied = authenticate(r.a, ctx)) co_return std::move(*denied);
    co_return co_await r.h(ctx);
  }
  if (path_known) co_return json_error(http::status::method_not_allowed, "method not allowed");
  if (fallback_ && (method == http::verb::get || method == http::verb::head)) {
    if (auto denied = authenticate(fallback_access_, ctx)) co_return std::move(*denied);
    co_return co_await fallback_(ctx);
  }
  co_return json_error(http::status::not_found, "no such endpoint: " + ctx.path);
}

}  // namespace camgate::httpd
