#include "api/request_limits.hpp"

#include <chrono>

namespace camgate::api {
namespace {
constexpr std::size_t kMaxKeys = 100'000;  // bounded memory whatever the clients do
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

request_limits request_limits::from(const core::config::limits_section& c) {
  request_limits l;
  if (c.login_per_minute_ip > 0)
    l.login_by_ip = std::make_unique<httpd::rate_limiter>(c.login_per_minute_ip / 60.0,
                                                          c.login_burst, kMaxKeys);
  if (c.login_per_minute_user > 0) {
    l.login_by_user = std::make_unique<httpd::rate_limiter>(c.login_per_minute_user / 60.0,
                                                            c.login_burst, kMaxKeys);
    if (c.login_failure_delay_ms > 0) {
      l.login_delay_by_name = std::make_unique<httpd::rate_limiter>(c.login_per_minute_user / 60.0,
                                                                    c.login_burst, kMaxKeys);
      l.login_failure_delay_ms = c.login_failure_delay_ms;
    }
  }
  if (c.refresh_per_minute_ip > 0)
    l.refresh_by_ip = std::make_unique<httpd::rate_limiter>(c.refresh_per_minute_ip / 60.0,
                                                            c.login_burst, kMaxKeys);
  if (c.api_per_second_user > 0)
    l.api_by_user =
        std::make_unique<httpd::rate_limiter>(c.api_per_second_user, c.api_burst, kMaxKeys);
  if (c.streams_per_user > 0)
    l.streams_by_user =
        std::make_unique<httpd::concurrency_limiter>(static_cast<std::size_t>(c.streams_per_user));
  return l;
}

std::string request_limits::login_key(std::string_view name, std::string_view address) {
  std::string key(address);
  key += '\n';
  key += name;
  return key;
}

httpd::response too_many_requests(std::string_view what, std::int64_t retry_after_s) {
  auto r =
      httpd::json_error(http::status::too_many_requests,
                        std::string(what) + ": retry in " + std::to_string(retry_after_s) + " s");
  r.message.set(http::field::retry_after, std::to_string(retry_after_s));
  return r;
}

std::optional<httpd::response> request_limits::admit(const httpd::request_context& ctx) const {
  if (!api_by_user || !ctx.identity) return std::nullopt;
  // Keyed by role and name: an external user may share a name with nobody local.
  const auto key = std::string(auth::to_string(ctx.identity->role)) + ":" + ctx.identity->name;
  auto d = api_by_user->take(key, steady_ms());
  if (d.allowed) return std::nullopt;
  return too_many_requests("too many requests", d.retry_after_s);
}

request_limits::stream_slot request_limits::acquire_stream(
    const httpd::request_context& ctx) const {
  if (!streams_by_user || !ctx.identity) return std::optional<httpd::concurrency_limiter::lease>{};
  const auto key = std::string(auth::to_string(ctx.identity->role)) + ":" + ctx.identity->name;
  auto lease = streams_by_user->acquire(key);
  if (!lease) {
    return httpd::json_error(http::status::too_many_requests,
                             "too many concurrent streams for this user (at most " +
                                 std::to_string(streams_by_user->count(key)) + ")");
  }
  return std::optional<httpd::concurrency_limiter::lease>(std::move(*lease));
}

}  // namespace camgate::api
