#include "doctor/gateway_checks.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "doctor/http_fetch.hpp"
#include "doctor/ice_checks.hpp"
#include "doctor/net_steps.hpp"

namespace camgate::doctor {

namespace {

constexpr int kExpirySoonDays = 14;

nlohmann::json parse_json(const std::string& body) {
  return nlohmann::json::parse(body, nullptr, false);
}

std::string error_of(const fetch_result& f) {
  const auto j = parse_json(f.body);
  if (j.is_object() && j.contains("error") && j["error"].is_string())
    return printable(j["error"].get<std::string>(), 160);
  return printable(f.body, 80);
}

check tls_check(const gateway_options& o, const fetch_result& f) {
  check c{"tls", "TLS certificate"};
  if (!f.tls) {
    c.status = check_status::fail;
    c.detail = f.error;
    c.advice =
        "The TLS handshake failed: is this port really HTTPS (camgate serve --tls-cert)? "
        "Behind a proxy, check the proxy's TLS settings.";
    return c;
  }
  const auto& t = *f.tls;
  c.data = {{"verified", t.verified},
            {"subject", t.subject},
            {"issuer", t.issuer},
            {"protocol", t.protocol},
            {"verify_error", t.verify_error}};
  if (t.days_left) c.data["days_left"] = *t.days_left;
  c.detail = fmt::format("{}, {}, issued by {}", t.protocol, t.subject, t.issuer);
  if (t.days_left) c.detail += fmt::format(", expires in {} days", *t.days_left);
  if (!t.verified) {
    c.status = check_status::fail;
    c.detail = t.verify_error + " (" + c.detail + ")";
    c.advice = t.days_left && *t.days_left < 0
                   ? "The certificate has expired: renew it and restart the gateway (or its "
                     "proxy)."
               : t.verify_error.find("hostname") != std::string::npos ||
                       t.verify_error.find("IP address") != std::string::npos
                   ? fmt::format(
                         "The certificate does not name {}: use the name it was issued "
                         "for, or issue one with {} in its subjectAltName.",
                         o.target.host, o.target.host)
                   : "Browsers will refuse this certificate: use one from a CA they trust, "
                     "or install your own CA on every viewer's machine (and pass it here "
                     "with --ca-file).";
    return c;
  }
  if (t.days_left && *t.days_left < kExpirySoonDays) {
    c.status = check_status::warn;
    c.advice = "The certificate expires soon: renew it.";
  }
  return c;
}

check health_check(const fetch_result& f) {
  check c{"health", "GET /health"};
  c.ms = f.ms;
  if (!f.ok()) {
    c.status = check_status::fail;
    c.detail = f.error;
    c.advice =
        "No HTTP answer: check the URL's port, that `camgate serve` runs, and for "
        "https:// that the gateway was started with --tls-cert.";
    return c;
  }
  c.data["http_status"] = f.status;
  const auto j = parse_json(f.body);
  if (f.status != 200 || !j.is_object() || j.value("status", "") != "ok") {
    c.status = check_status::fail;
    c.detail = fmt::format("HTTP {}: {}", f.status, printable(f.body, 80));
    c.advice =
        "That is not a camgate gateway's /health: check the URL (and the path prefix "
        "when a reverse proxy serves it under one).";
    return c;
  }
  c.data["health"] = j;
  const auto online = j.value("cameras_online", 0);
  const auto total = j.value("cameras_total", 0);
  c.detail = fmt::format("camgate {}, {} of {} cameras online, up {} s", j.value("version", "?"),
                         online, total, j.value("uptime_s", 0));
  if (online < total) {
    c.status = check_status::warn;
    c.advice =
        "Some cameras are offline: `camgate doctor camera HOST:PORT` tells why (the "
        "admin's GET /api/cameras shows each one's last error).";
  }
  return c;
}

asio::awaitable<void> cors_check(report& r, const gateway_options& o, ssl::context* tls) {
  check c{"cors", "CORS preflight"};
  if (!o.origin) {
    c.status = check_status::skip;
    c.detail = "give --origin https://your-app.example to check a web page on another origin";
    r.add(std::move(c));
    co_return;
  }
  c.title += " from " + *o.origin;
  fetch_request req;
  req.method = http::verb::options;
  req.target = "/api/cameras";
  req.headers = {{"Origin", *o.origin},
                 {"Access-Control-Request-Method", "GET"},
                 {"Access-Control-Request-Headers", "authorization"}};
  const auto f = co_await fetch(o.target, req, o.timeout, tls);
  c.ms = f.ms;
  if (!f.ok()) {
    c.status = check_status::fail;
    c.detail = f.error;
    r.add(std::move(c));
    co_return;
  }
  const auto allow = printable(f.header(http::field::access_control_allow_origin), 200);
  const auto creds = f.header(http::field::access_control_allow_credentials);
  c.data = {{"http_status", f.status}, {"allow_origin", allow}, {"allow_credentials", creds}};
  const bool allowed = f.status / 100 == 2 && (allow == *o.origin || allow == "*");
  if (allowed) {
    c.detail = fmt::format("allowed (HTTP {}, Access-Control-Allow-Origin: {}{})", f.status, allow,
                           creds == "true" ? ", credentials allowed" : "");
  } else {
    c.status = check_status::fail;
    c.detail = fmt::format("refused (HTTP {}{})", f.status,
                           allow.empty() ? "" : ", Access-Control-Allow-Origin: " + allow);
    if (f.status == 403) c.detail += ": " + error_of(f);
    c.advice = fmt::format(
        "A page from {0} cannot call this gateway. Add the origin to the gateway's "
        "configuration and restart it:\n[cors]\nallowed_origins = [\"{0}\"]\n(exact "
        "scheme://host[:port], no path; see docs/configuration.md).",
        *o.origin);
  }
  r.add(std::move(c));
}

// The token, when the login worked.
asio::awaitable<std::optional<std::string>> login_check(report& r, const gateway_options& o,
                                                        ssl::context* tls, bool tls_trusted) {
  check c{"login", "Login"};
  if (!o.user) {
    c.status = check_status::skip;
    c.detail = "give --user NAME --password-stdin to check a login";
    r.add(std::move(c));
    co_return std::nullopt;
  }
  c.title += " as " + *o.user;
  if (!tls_trusted) {
    c.status = check_status::skip;
    c.detail = "not sending a password over a connection whose certificate failed";
    r.add(std::move(c));
    co_return std::nullopt;
  }
  const nlohmann::json body = {{"username", *o.user}, {"password", o.password}};
  fetch_request req;
  req.method = http::verb::post;
  req.target = "/auth/login";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = body.dump();
  const auto f = co_await fetch(o.target, req, o.timeout, tls);
  c.ms = f.ms;
  c.data["http_status"] = f.status;
  if (!f.ok()) {
    c.status = check_status::fail;
    c.detail = f.error;
    r.add(std::move(c));
    co_return std::nullopt;
  }
  const auto j = parse_json(f.body);
  if (f.status == 200 && j.is_object() && j.contains("access_token") &&
      j["access_token"].is_string()) {
    c.detail = fmt::format("token issued, valid {} s", j.value("expires_in", 0));
    r.add(std::move(c));
    co_return j["access_token"].get<std::string>();
  }
  c.status = check_status::fail;
  c.detail = fmt::format("HTTP {}: {}", f.status, error_of(f));
  if (f.status == 401) {
    c.advice =
        "Wrong user name or password (or no such user): an admin can check with "
        "`camgate user list` and reset it.";
  } else if (f.status == 429) {
    c.advice = fmt::format("Too many login attempts: wait {} s (Retry-After) and try again.",
                           printable(f.header(http::field::retry_after), 10));
  }
  r.add(std::move(c));
  co_return std::nullopt;
}

}  // namespace

asio::awaitable<report> check_gateway(gateway_options o) {
  report r{"gateway", o.text};
  const auto& t = o.target;
  const auto dns = co_await resolve_host(t.host, t.port, o.timeout);
  r.add(dns_check(t.host, dns, "the gateway"));
  if (dns.ec) co_return r;
  {
    beast::tcp_stream probe(co_await asio::this_coro::executor);
    const auto tcp = co_await connect_tcp(probe, dns.endpoints, o.timeout);
    probe.close();
    r.add(tcp_check(host_port(t.host, t.port), tcp, "the gateway"));
    if (tcp.ec) co_return r;
  }

  std::optional<ssl::context> tls;
  if (t.https) {
    tls.emplace(ssl::context::tls_client);
    error_code ec;
    if (o.ca_file) {
      tls->load_verify_file(*o.ca_file, ec);
      if (ec) {
        r.add({"tls", "TLS certificate", check_status::fail,
               "cannot read --ca-file " + *o.ca_file + ": " + ec.message()});
        co_return r;
      }
    } else {
      tls->set_default_verify_paths(ec);
    }
  }
  ssl::context* ctx = tls ? &*tls : nullptr;

  const fetch_request health_req{http::verb::get, "/health", {}, {}};
  const auto health = co_await fetch(t, health_req, o.timeout, ctx);
  bool trusted = true;
  if (t.https) {
    auto c = tls_check(o, health);
    trusted = c.status != check_status::fail;
    r.add(std::move(c));
    if (!health.tls) co_return r;
  } else if (o.user) {
    r.add({"tls", "TLS", check_status::warn,
           "plain http://: passwords and tokens cross the network readable",
           "Outside a trusted LAN, serve https:// (camgate serve --tls-cert/--tls-key, "
           "or a reverse proxy)."});
  }
  r.add(health_check(health));
  co_await cors_check(r, o, ctx);
  const auto token = co_await login_check(r, o, ctx, trusted);
  co_await ice_checks(r, t, token, o.timeout, ctx);
  co_return r;
}

}  // namespace camgate::doctor
