#pragma once
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "core/asio.hpp"
#include "http/request_context.hpp"
#include "http/response.hpp"

namespace camgate::httpd {

using handler = std::function<asio::awaitable<response>(request_context&)>;

enum class access { open, authenticated };

// Who is asking, or why we cannot tell (a reason for the 401 body).
struct authenticated {
  auth::identity identity;
  std::int64_t expires_at = 0;  // unix seconds; live streams end then ("token expired")
};
using auth_outcome = std::variant<authenticated, std::string>;
using authenticator = std::function<auth_outcome(const request_context&)>;
// Runs after a request was authenticated (per-user rate limits): an answer refuses it.
using admission = std::function<std::optional<response>(const request_context&)>;

// Maps method + path pattern ("/api/cameras/{id}/snapshot") to a handler. The one
// place where authentication is enforced: every route is `authenticated` unless it
// is explicitly registered `open`.
class router {
 public:
  void add(http::verb method, std::string pattern, handler h, access a = access::authenticated);
  void set_authenticator(authenticator a) { authenticator_ = std::move(a); }
  void set_admission(admission a) { admission_ = std::move(a); }
  // Handles GET requests no route matched (the web page's static files).
  void set_fallback(handler h, access a = access::open);

  asio::awaitable<response> dispatch(request_context& ctx) const;

 private:
  struct route {
    http::verb method;
    std::vector<std::string> segments;  // "{name}" captures one segment
    handler h;
    access a;
  };
  static bool match(const route& r, const std::vector<std::string_view>& path,
                    request_context& ctx);
  std::optional<response> authenticate(access a, request_context& ctx) const;

  std::vector<route> routes_;
  handler fallback_;
  access fallback_access_ = access::open;
  authenticator authenticator_;
  admission admission_;
};

}  // namespace camgate::httpd
