#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection.hpp"
#include "http/response.hpp"

namespace camgate::httpd {

struct cors_options {
  // Exact origins, "scheme://host[:port]" with no path ("https://app.example.com",
  // "http://localhost:5173"); compared case-insensitively, default ports dropped. "*"
  // allows any origin, and only when allow_credentials is false.
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  // Request headers a page may send (case-insensitive).
  std::vector<std::string> allowed_headers = {"Authorization", "Content-Type"};
  // Response headers page scripts may read beyond the safelisted ones, e.g. "Retry-After".
  std::vector<std::string> exposed_headers;
  // Lets pages send cookies and read answers to credentialed requests.
  bool allow_credentials = true;
  std::int64_t max_age_s = 600;  // how long a browser may cache a preflight answer
};

// Which other web origins may call the API from a browser, and the headers that say so.
// Nothing here authenticates: CORS only tells browsers what pages may read.
//
//   httpd::cors_policy cors({.allowed_origins = {"https://clinic.example.com"}});
//   if (auto answer = cors.preflight(req)) return *answer;  // before routing
//   ...
//   cors.decorate(req, res.message);                        // on every answer
class cors_policy {
 public:
  // Throws std::invalid_argument naming the bad entry: an origin that is not
  // scheme://host[:port] (or is "null"), "*" together with credentials, a method or
  // header name that is not an HTTP token, a negative max_age_s.
  explicit cors_policy(cors_options options);

  // For an OPTIONS request carrying Origin and Access-Control-Request-Method (a
  // preflight): 204 with the Access-Control-Allow-* headers when the origin and method
  // are allowed (Allow-Headers lists the requested headers that are allowed), 403 JSON
  // otherwise. Any other request: nullopt, route it as usual.
  std::optional<response> preflight(const request& req) const;

  // Adds Access-Control-Allow-Origin (and -Credentials, -Expose-Headers) to an answer
  // when the request's origin is allowed, and Vary: Origin whenever the answer depends on
  // the origin, so a shared cache never hands one origin's answer to another.
  void decorate(const request& req, response_message& res) const;

  bool origin_allowed(std::string_view origin) const;

 private:
  bool method_allowed(std::string_view method) const;
  std::string allowed_request_headers(std::string_view requested) const;
  void set_allow_origin(std::string_view origin, response_message& res) const;

  std::vector<std::string> origins_;  // normalised: lowercase, no default port
  bool any_origin_ = false;
  std::vector<std::string> methods_;
  std::vector<std::string> headers_;
  std::string methods_value_;
  std::string exposed_value_;
  bool credentials_;
  std::int64_t max_age_s_;
};

}  // namespace camgate::httpd
