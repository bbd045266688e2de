#include "api/token_authenticator.hpp"

#include <charconv>
#include <memory>

#include "api/verified_tokens.hpp"
#include "core/clock.hpp"
#include "http/credential_authenticator.hpp"

namespace camgate::api {
namespace {

std::int64_t now_s() {
  return core::unix_micros() / 1000000;
}

// Our own token failed for a reason that says "not ours" (its claims or signature are
// not what we issue) rather than "ours, but no longer valid": then the external issuer
// may have signed it.
bool maybe_external(auth::token_error e) {
  return e != auth::token_error::expired && e != auth::token_error::not_yet_valid;
}

// nullopt when the index (if any) still accepts `who`; else why not.
std::optional<std::string> revoked(const credential_checkers& c, const auth::identity& who) {
  if (!c.index) return std::nullopt;
  switch (access::check_credential(*c.index->current(), who)) {
    case access::credential_state::valid:
      return std::nullopt;
    case access::credential_state::user_removed:
      return std::string("user removed");
    case access::credential_state::token_revoked:
      return std::string("token revoked");
  }
  return std::string("token revoked");
}

httpd::auth_outcome check_bearer(const credential_checkers& c, verified_tokens& cache,
                                 std::string_view token) {
  const auto now = now_s();
  if (auto hit = cache.find(token, now)) {
    if (auto why = revoked(c, hit->who)) return "invalid token: " + *why;
    return httpd::authenticated{hit->who, hit->expires_at};
  }
  auto own = c.tokens->verify(token, now);
  if (own) cache.remember(token, *own.identity, own.expires_at, now);
  if (own) {
    if (auto why = revoked(c, *own.identity)) return "invalid token: " + *why;
    return httpd::authenticated{*own.identity, own.expires_at};
  }
  if (c.external && maybe_external(own.code)) {
    auto ext = c.external->verify(token, now);
    if (!ext) return "invalid token: " + ext.reason;
    auto local = c.resolve_external ? c.resolve_external(*ext.identity) : ext.identity;
    if (!local) return std::string("invalid token: unknown user '") + ext.identity->name + "'";
    // The issuer knows no generations: the local user's current one (still present?).
    if (c.index) {
      const auto snap = c.index->current();
      const auto u = snap->users.find(local->user_id);
      if (u == snap->users.end()) return std::string("invalid token: user removed");
      local->token_gen = u->second.token_gen;
    }
    return httpd::authenticated{*local, ext.expires_at};
  }
  return "invalid token: " + own.reason;
}

httpd::auth_outcome check_ticket(const credential_checkers& c, std::string_view ticket,
                                 std::string_view path) {
  auto resource = ticket_resource(path);
  if (!resource) return std::string("a stream ticket is not accepted here");
  auto r = c.tickets->verify(ticket, *resource, now_s());
  if (!r) return "invalid ticket: " + r.reason;
  if (auto why = revoked(c, *r.identity)) return "invalid ticket: " + *why;
  return httpd::authenticated{*r.identity, r.expires_at};
}

}  // namespace

namespace {
// "/api/<prefix>s/<id>/<what>" -> {id, what}, for a canonical positive id only.
std::optional<std::pair<std::int64_t, std::string_view>> id_and_rest(std::string_view path,
                                                                     std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  path.remove_prefix(prefix.size());
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto id = path.substr(0, slash);
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (ec != std::errc{} || p != id.data() + id.size() || n <= 0) return std::nullopt;
  return std::pair{n, path.substr(slash + 1)};
}
}  // namespace

std::optional<std::string> ticket_resource(std::string_view path) {
  // A recording's media and download: "recording:<id>".
  if (auto r = id_and_rest(path, "/api/recordings/")) {
    if (r->second != "media" && r->second != "download") return std::nullopt;
    return "recording:" + std::to_string(r->first);
  }
  for (std::string_view kind : {"camera", "robot"}) {
    auto r = id_and_rest(path, "/api/" + std::string(kind) + "s/");
    if (!r) continue;
    const auto what = r->second;
    if (what != "stream" && what != "ws" && what != "snapshot" && what != "events" &&
        what != "whep" && !what.starts_with("whep/"))
      return std::nullopt;
    return std::string(kind) + ":" + std::to_string(r->first);
  }
  return std::nullopt;
}

httpd::authenticator token_authenticator(credential_checkers checkers) {
  // Shared by both checks, which the authenticator copies with it.
  auto c = std::make_shared<const credential_checkers>(std::move(checkers));
  auto cache = std::make_shared<verified_tokens>();
  httpd::credential_checks checks;
  checks.bearer = [c, cache](std::string_view token) { return check_bearer(*c, *cache, token); };
  if (c->tickets) {
    checks.ticket = [c](std::string_view ticket, std::string_view path) {
      return check_ticket(*c, ticket, path);
    };
  }
  return httpd::credential_authenticator(std::move(checks));
}

}  // namespace camgate::api
