#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/config.hpp"
#include "http/concurrency_limiter.hpp"
#include "http/rate_limiter.hpp"
#include "http/request_context.hpp"
#include "http/response.hpp"

namespace camgate::api {

// The per-client caps of [limits]: login attempts per address and per (user name,
// address), API requests per user, live streams per user. A null member is a cap
// turned off (0). Logins (docs/configuration.md, "Login throttling"): only the address
// and the (name, address) pair are refused with 429; failures for a name from all
// addresses together only delay that name's logins, so nobody locks another user out.
struct request_limits {
  std::unique_ptr<httpd::rate_limiter> login_by_ip;
  std::unique_ptr<httpd::rate_limiter> login_by_user;        // key name + address; failures only
  std::unique_ptr<httpd::rate_limiter> login_delay_by_name;  // key name; failures only
  std::int64_t login_failure_delay_ms = 0;
  std::unique_ptr<httpd::rate_limiter> refresh_by_ip;  // POST /auth/refresh, every attempt
  std::unique_ptr<httpd::rate_limiter> api_by_user;
  std::unique_ptr<httpd::concurrency_limiter> streams_by_user;

  static request_limits from(const core::config::limits_section& c);

  // The key of login_by_user: address, '\n', name (an address has no '\n', so two
  // different pairs never share a key).
  static std::string login_key(std::string_view name, std::string_view address);

  // The router's admission hook: 429 once a user exceeds api_per_second_user.
  std::optional<httpd::response> admit(const httpd::request_context& ctx) const;
  // A slot for one more live stream of the caller, or the 429 that refuses it. The
  // stream holds the lease for as long as it lives (nullopt lease: no cap).
  using stream_slot =
      std::variant<std::optional<httpd::concurrency_limiter::lease>, httpd::response>;
  stream_slot acquire_stream(const httpd::request_context& ctx) const;
};

// 429 {"success": false, "error": ...} with Retry-After.
httpd::response too_many_requests(std::string_view what, std::int64_t retry_after_s);

// Milliseconds of the steady clock, for the rate limiters.
std::int64_t steady_ms();

}  // namespace camgate::api
