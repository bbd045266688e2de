#include "http/cors_policy.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/text.hpp"

namespace camgate::httpd {
namespace {

using core::trim;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string uppercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 9110 5.6.2: the characters of a method or header name.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return is_alpha(c) || is_digit(c) || extra.find(c) != std::string_view::npos;
  });
}

// "scheme://host[:port]" in the form browsers send it (RFC 6454 6.2): lowercase, no
// default port. nullopt for anything else: a path, a trailing slash, userinfo, "null".
std::optional<std::string> normalize_origin(std::string_view origin) {
  const std::string text = lowercase(origin);
  const auto sep = text.find("://");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  const std::string scheme = text.substr(0, sep);
  if (!is_alpha(scheme[0])) return std::nullopt;
  for (char c : scheme) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(sep + 3);
  std::string_view host;
  if (!rest.empty() && rest.front() == '[') {  // IPv6 literal
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close < 2) return std::nullopt;
    host = rest.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2)) {
      if (!is_digit(c) && !(c >= 'a' && c <= 'f') && c != ':' && c != '.') return std::nullopt;
    }
    rest.remove_prefix(close + 1);
  } else {
    host = rest.substr(0, rest.find(':'));
    if (host.empty()) return std::nullopt;
    for (char c : host) {
      if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.') return std::nullopt;
    }
    rest.remove_prefix(host.size());
  }
  std::string_view port;
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    port = rest.substr(1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit)) {
      return std::nullopt;
    }
    const int n = std::stoi(std::string(port));
    if (n < 1 || n > 65535) return std::nullopt;
  }
  const bool default_port = (port == "80" && (scheme == "http" || scheme == "ws")) ||
                            (port == "443" && (scheme == "https" || scheme == "wss"));
  std::string out = scheme + "://" + std::string(host);
  if (!port.empty() && !default_port) out += ":" + std::string(port);
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// Adds "Origin" to Vary unless it is already there (or Vary is "*").
void add_vary_origin(response_message& res) {
  const auto current = res[http::field::vary];
  std::string_view rest = current;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = trim(rest.substr(0, comma));
    if (item == "*" || beast::iequals(item, "origin")) return;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  res.set(http::field::vary,
          current.empty() ? std::string("Origin") : std::string(current) + ", Origin");
}

}  // namespace

cors_policy::cors_policy(cors_options options)
    : credentials_(options.allow_credentials), max_age_s_(options.max_age_s) {
  for (const auto& origin : options.allowed_origins) {
    if (origin == "*") {
      if (credentials_) {
        throw std::invalid_argument(
            "CORS: the origin \"*\" cannot be combined with credentials (browsers refuse it, "
            "and it would let any web site act as the signed-in user): list the origins, or "
            "turn credentials off");
      }
      any_origin_ = true;
      continue;
    }
    if (beast::iequals(origin, "null")) {
      throw std::invalid_argument(
          "CORS: the origin \"null\" cannot be allowed safely: sandboxed frames and local "
          "files of any site send it");
    }
    auto normal = normalize_origin(origin);
    if (!normal) {
      throw std::invalid_argument("CORS: the origin '" + origin +
                                  "' is not scheme://host[:port] (no path, no trailing slash)");
    }
    origins_.push_back(std::move(*normal));
  }
  for (const auto& method : options.allowed_methods) {
    if (!is_token(method)) throw std::invalid_argument("CORS: '" + method + "' is not a method");
    methods_.push_back(uppercase(method));  // browsers send standard methods uppercased
  }
  for (const auto& header : options.allowed_headers) {
    if (!is_token(header)) {
      throw std::invalid_argument("CORS: '" + header + "' is not a header name");
    }
    headers_.push_back(header);
  }
  for (const auto& header : options.exposed_headers) {
    if (!is_token(header)) {
      throw std::invalid_argument("CORS: '" + header + "' is not a header name");
    }
  }
  if (max_age_s_ < 0) {
    throw std::invalid_argument("CORS: max_age_s must not be negative, got " +
                                std::to_string(max_age_s_));
  }
  methods_value_ = join(methods_);
  exposed_value_ = join(options.exposed_headers);
}

bool cors_policy::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  if (any_origin_) return true;
  const auto normal = normalize_origin(origin);
  return normal && std::find(origins_.begin(), origins_.end(), *normal) != origins_.end();
}

bool cors_policy::method_allowed(std::string_view method) const {
  // Methods are case-sensitive (RFC 9110 9.1).
  return std::find(methods_.begin(), methods_.end(), method) != methods_.end();
}

std::string cors_policy::allowed_request_headers(std::string_view requested) const {
  std::string out;
  while (!requested.empty()) {
    const auto comma = requested.find(',');
    const auto name = trim(requested.substr(0, comma));
    requested = comma == std::string_view::npos ? std::string_view{} : requested.substr(comma + 1);
    const bool allowed = std::any_of(headers_.begin(), headers_.end(),
                                     [&](const std::string& h) { return beast::iequals(h, name); });
    if (!name.empty() && allowed) {
      if (!out.empty()) out += ", ";
      out += name;
    }
  }
  return out;
}

void cors_policy::set_allow_origin(std::string_view origin, response_message& res) const {
  // "*" only without credentials (enforced at construction); otherwise the origin itself,
  // exactly as the browser sent it.
  const bool wildcard = any_origin_ && !credentials_;
  res.set(http::field::access_control_allow_origin, wildcard ? std::string_view("*") : origin);
  if (credentials_) res.set(http::field::access_control_allow_credentials, "true");
}

std::optional<response> cors_policy::preflight(const request& req) const {
  if (req.method() != http::verb::options) return std::nullopt;
  const auto origin = req[http::field::origin];
  const auto method = req[http::field::access_control_request_method];
  if (origin.empty() || method.empty()) return std::nullopt;

  if (!origin_allowed(origin)) {
    auto r = json_error(http::status::forbidden, "CORS: origin not allowed");
    add_vary_origin(r.message);
    return r;
  }
  if (!method_allowed(method)) {
    auto r = json_error(http::status::forbidden, "CORS: method not allowed");
    add_vary_origin(r.message);
    return r;
  }

  response r;
  r.message.result(http::status::no_content);
  set_allow_origin(origin, r.message);
  r.message.set(http::field::access_control_allow_methods, methods_value_);
  const std::string headers =
      allowed_request_headers(req[http::field::access_control_request_headers]);
  if (!headers.empty()) r.message.set(http::field::access_control_allow_headers, headers);
  r.message.set(http::field::access_control_max_age, std::to_string(max_age_s_));
  add_vary_origin(r.message);
  return r;
}

void cors_policy::decorate(const request& req, response_message& res) const {
  // With a list, whether the answer carries Allow-Origin depends on the request's Origin,
  // with or without one; a pure wildcard answers every origin alike.
  if (!any_origin_) add_vary_origin(res);
  const auto origin = req[http::field::origin];
  if (!origin_allowed(origin)) return;
  set_allow_origin(origin, res);
  if (!exposed_value_.empty()) {
    res.set(http::field::access_control_expose_headers, exposed_value_);
  }
}

}  // namespace camgate::httpd
