#include "auth/ticket_service.hpp"

#include <algorithm>

#include <sodium.h>
#include <nlohmann/json.hpp>

#include "auth/base64url.hpp"
#include "auth/compact_jws.hpp"
#include "auth/error.hpp"
#include "auth/sodium_init.hpp"

namespace camgate::auth {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMinSecretBytes = 32;
constexpr std::int64_t kMaxTime = 1'000'000'000'000;
// Domain separation: the same gateway secret keys access tokens directly and tickets
// through this label, so neither MAC can be reused as the other.
constexpr std::string_view kKeyLabel = "camgate-ticket";
// Every ticket carries exactly this header; anything else (an access token's typ "JWT")
// is not a ticket.
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"ticket"})";

verify_result failure(token_error code, std::string reason) {
  verify_result r;
  r.code = code;
  r.reason = std::move(reason);
  return r;
}

verify_result malformed() {
  return failure(token_error::malformed, "malformed ticket");
}

std::string_view as_chars(const sha256_mac& mac) {
  return {reinterpret_cast<const char*>(mac.data()), mac.size()};
}

// Printable ASCII without spaces: resources are identifiers ("camera:3"), and such a
// string needs no escaping in JSON, URLs or logs.
bool valid_resource(std::string_view r) {
  if (r.empty() || r.size() > ticket_service::max_resource_size) return false;
  for (char c : r) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::optional<std::int64_t> time_claim(const json& j) {
  if (!j.is_number_integer()) return std::nullopt;
  const auto v = j.get<std::int64_t>();
  if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxTime)) {
    return std::nullopt;
  }
  if (v < 0 || v > kMaxTime) return std::nullopt;
  return v;
}

}  // namespace

ticket_service::ticket_service(std::string_view gateway_secret, std::int64_t lifetime_s)
    : lifetime_(lifetime_s) {
  if (gateway_secret.size() < kMinSecretBytes) {
    throw error("the ticket secret has " + std::to_string(gateway_secret.size()) +
                " bytes; at least " + std::to_string(kMinSecretBytes) + " are required");
  }
  if (lifetime_ <= 0 || lifetime_ > 3600) {
    throw error("ticket lifetime must be between 1 and 3600 seconds, got " +
                std::to_string(lifetime_));
  }
  key_ = hmac_sha256(gateway_secret, kKeyLabel);
}

ticket_service::~ticket_service() {
  sodium_memzero(key_.data(), key_.size());
}

std::string ticket_service::signature_of(std::string_view signing_input) const {
  sha256_mac mac = hmac_sha256(as_chars(key_), signing_input);
  std::string text = base64url_encode(as_chars(mac));
  sodium_memzero(mac.data(), mac.size());
  return text;
}

issued_token ticket_service::issue(const identity& who, std::string_view resource,
                                   std::int64_t not_after_s, std::int64_t now_s) const {
  if (!valid_resource(resource)) {
    throw error("cannot issue a ticket: the resource must be 1 to " +
                std::to_string(max_resource_size) + " printable ASCII characters");
  }
  if (now_s < 0 || now_s > kMaxTime) throw error("cannot issue a ticket: the clock is off");
  if (not_after_s <= now_s) {
    throw error("cannot issue a ticket: the token that asks for it has expired");
  }
  const std::int64_t expires_at = std::min(now_s + lifetime_, not_after_s);

  const json claims = {{"uid", who.user_id},
                       {"name", who.name},
                       {"role", to_string(who.role)},
                       {"res", resource},
                       {"iat", now_s},
                       {"exp", expires_at},
                       // The session behind the ticket: a stream it opens lasts until then.
                       {"sexp", not_after_s}};
  std::string payload;
  try {
    payload = claims.dump();
  } catch (const json::type_error&) {
    throw error("cannot issue a ticket: the user name is not valid UTF-8");
  }
  const std::string input = base64url_encode(kHeader) + "." + base64url_encode(payload);
  return issued_token{input + "." + signature_of(input), expires_at - now_s, expires_at};
}

verify_result ticket_service::verify(std::string_view ticket, std::string_view resource,
                                     std::int64_t now_s) const noexcept {
  try {
    return check(ticket, resource, now_s);
  } catch (...) {
    // Only allocation can throw in check(); a ticket we cannot afford to read is refused.
    try {
      return malformed();
    } catch (...) {
      return verify_result{std::nullopt, 0, token_error::malformed, {}};
    }
  }
}

verify_result ticket_service::check(std::string_view ticket, std::string_view resource,
                                    std::int64_t now_s) const {
  if (ticket.empty() || ticket.size() > max_ticket_size) return malformed();
  const auto parts = compact_jws::split(ticket);
  if (!parts) return malformed();
  // Our header, byte for byte: no algorithm choice, no typ other than "ticket".
  if (parts->header != base64url_encode(kHeader)) {
    return failure(token_error::unsupported_algorithm, "not a ticket");
  }
  if (!constant_time_equal(signature_of(parts->signing_input), parts->signature)) {
    return failure(token_error::bad_signature, "bad signature");
  }

  const auto payload_text = base64url_decode(parts->payload);
  if (!payload_text) return malformed();
  const json claims = json::parse(*payload_text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return malformed();
  // We signed these claims, so a wrong shape means a bug or a leaked key: refuse plainly.
  const auto uid = claims.find("uid");
  const auto name = claims.find("name");
  const auto role_claim = claims.find("role");
  const auto res = claims.find("res");
  const auto iat = claims.find("iat");
  const auto exp = claims.find("exp");
  const auto sexp = claims.find("sexp");
  if (sexp == claims.end() || uid == claims.end() || !uid->is_number_integer() ||
      uid->get<std::int64_t>() < 0 || name == claims.end() || !name->is_string() ||
      role_claim == claims.end() || !role_claim->is_string() || res == claims.end() ||
      !res->is_string() || iat == claims.end() || exp == claims.end()) {
    return malformed();
  }
  const auto user_role = role_from_string(role_claim->get_ref<const std::string&>());
  const auto issued_at = time_claim(*iat);
  const auto expires_at = time_claim(*exp);
  const auto session_expires_at = time_claim(*sexp);
  if (!user_role || !issued_at || !expires_at || !session_expires_at) return malformed();

  // Issued and checked by the same gateway clock: no leeway. Valid for [iat, exp).
  if (now_s < *issued_at) return failure(token_error::not_yet_valid, "ticket not yet valid");
  if (now_s >= *expires_at) return failure(token_error::expired, "ticket expired");
  if (res->get_ref<const std::string&>() != resource) {
    return failure(token_error::bad_claims, "ticket is for another resource");
  }

  verify_result r;
  r.identity = identity{uid->get<std::int64_t>(), name->get<std::string>(), *user_role};
  r.expires_at = *session_expires_at;
  return r;
}

}  // namespace camgate::auth
