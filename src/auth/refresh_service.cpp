#include "auth/refresh_service.hpp"

#include <algorithm>

#include <sodium.h>
#include <spdlog/spdlog.h>

#include "auth/base64url.hpp"
#include "auth/error.hpp"
#include "auth/sodium_init.hpp"
#include "store/audit_repository.hpp"
#include "store/transaction.hpp"

namespace camgate::auth {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::int64_t kKeepEndedS = 7 * 86400;

// Hex SHA-256 of the token's bytes: the only form the database sees. The token has 256
// random bits, so a plain hash (no salt, no slow KDF) cannot be reversed.
std::string token_hash(std::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

rotation refused(refresh_error e, std::string reason) {
  rotation r;
  r.error = e;
  r.reason = std::move(reason);
  return r;
}

}  // namespace

refresh_service::refresh_service(store::database& db, store::audit_repository* audit,
                                 refresh_options options)
    : db_(db), repo_(db), audit_(audit), options_(options) {
  ensure_sodium();
  if (options_.token_ttl_s < 60 || options_.token_ttl_s > 3660 * 86400)
    throw error("auth.refresh_ttl_s must be between 60 seconds and 10 years");
  if (options_.family_ttl_s < options_.token_ttl_s || options_.family_ttl_s > 3660 * 86400)
    throw error("auth.refresh_family_ttl_s must be at least auth.refresh_ttl_s (and <= 10 years)");
}

bool refresh_service::well_formed(std::string_view token) {
  if (token.size() != 43) return false;
  const auto bytes = base64url_decode(token);
  return bytes && bytes->size() == kTokenBytes;
}

issued_refresh refresh_service::next_token(std::int64_t family_id, std::int64_t family_end,
                                           std::int64_t now) {
  std::string raw(kTokenBytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  issued_refresh t;
  t.token = base64url_encode(raw);
  t.expires_at = std::min(now + options_.token_ttl_s, family_end);
  t.expires_in = t.expires_at - now;
  t.family_id = family_id;
  repo_.add_token(token_hash(t.token), family_id, now, t.expires_at);
  return t;
}

issued_refresh refresh_service::issue(const identity& who, std::int64_t now,
                                      std::string_view remote) {
  store::transaction tx(db_);
  repo_.prune(now - kKeepEndedS);
  const auto f =
      repo_.add_family(who.user_id, who.token_gen, now, now + options_.family_ttl_s, remote);
  auto t = next_token(f.id, f.expires_at, now);
  tx.commit();
  return t;
}

rotation refresh_service::rotate(std::string_view token, std::int64_t now,
                                 std::string_view remote) {
  if (!well_formed(token))
    return refused(refresh_error::malformed, "malformed refresh token (43 base64url characters)");
  const auto hash = token_hash(token);
  store::transaction tx(db_);
  const auto row = repo_.find(hash);
  if (!row) return refused(refresh_error::unknown, "unknown refresh token");
  const auto& f = row->family;
  if (f.revoked_at) return refused(refresh_error::revoked, "refresh token revoked");
  if (f.token_gen != row->user_token_gen) {
    // A generation bump the trigger has not marked (a database from before it): mark now.
    repo_.revoke_family(f.id, now, "tokens revoked (logout, role or password change)");
    tx.commit();
    return refused(refresh_error::revoked, "refresh token revoked");
  }
  if (row->used_at) {
    repo_.revoke_family(f.id, now, "refresh token reused");
    tx.commit();
    report_reuse(*row, now, remote);
    return refused(refresh_error::reused,
                   "refresh token already used: the session is revoked, log in again");
  }
  if (row->expires_at <= now) return refused(refresh_error::expired, "refresh token expired");
  if (f.expires_at <= now) return refused(refresh_error::expired, "session expired (log in again)");
  const auto role = role_from_string(row->user_role);
  if (!role) return refused(refresh_error::revoked, "refresh token revoked");

  rotation r;
  r.next = next_token(f.id, f.expires_at, now);
  // Inside the transaction, so a concurrent rotation of the same token cannot also win.
  if (!repo_.mark_used(hash, now, token_hash(r.next.token)))
    return refused(refresh_error::reused, "refresh token already used");
  tx.commit();
  r.who = identity{f.user_id, row->user_name, *role, row->user_token_gen};
  return r;
}

void refresh_service::report_reuse(const store::refresh_token_row& row, std::int64_t now,
                                   std::string_view remote) {
  spdlog::warn(
      "refresh token reuse for {} (session {}, from {}): a used token came back, so two "
      "parties hold it; the session is revoked",
      row.user_name, row.family_id, remote.empty() ? "?" : remote);
  if (!audit_) return;
  try {
    const auto a = audit_->begin(row.family.user_id, row.user_name, "session", row.family_id,
                                 "refresh-reuse", remote, now);
    audit_->end(a, now, "refresh token reused: session revoked");
  } catch (const std::exception& e) {
    spdlog::error("audit: cannot record refresh-reuse: {}", e.what());
  }
}

bool refresh_service::revoke(std::string_view token, std::int64_t now, std::string_view reason) {
  if (!well_formed(token)) return false;
  const auto row = repo_.find(token_hash(token));
  return row && repo_.revoke_family(row->family_id, now, reason);
}

std::int64_t refresh_service::revoke_user(std::int64_t user_id, std::int64_t now,
                                          std::string_view reason) {
  return repo_.revoke_user(user_id, now, reason);
}

std::vector<store::refresh_family> refresh_service::sessions(std::int64_t user_id,
                                                             std::int64_t now) {
  return repo_.active(user_id, now);
}

std::int64_t refresh_service::prune(std::int64_t now) {
  return repo_.prune(now - kKeepEndedS);
}

}  // namespace camgate::auth
