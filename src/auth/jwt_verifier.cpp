#include "auth/jwt_verifier.hpp"

#include <cmath>

#include "auth/base64url.hpp"
#include "auth/compact_jws.hpp"
#include "auth/error.hpp"

namespace camgate::auth {
namespace {

using json = nlohmann::json;

// Claims beyond this (year ~33658) are nonsense; bounding them keeps time arithmetic exact.
constexpr std::int64_t kMaxTime = 1'000'000'000'000;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// RFC 7515 4.1.9: media type names are case-insensitive and "application/" may be left out.
std::string media_type(std::string_view typ) {
  std::string t = lowercase(typ);
  constexpr std::string_view prefix = "application/";
  if (t.starts_with(prefix)) t.erase(0, prefix.size());
  return t;
}

}  // namespace

std::optional<std::int64_t> numeric_date(const json& j, bool fractional, bool round_up) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMaxTime)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    if (v < 0 || v > kMaxTime) return std::nullopt;
    return v;
  }
  if (fractional && j.is_number_float()) {
    const double v = j.get<double>();
    if (!std::isfinite(v) || v < 0 || v > static_cast<double>(kMaxTime)) return std::nullopt;
    return static_cast<std::int64_t>(round_up ? std::ceil(v) : std::floor(v));
  }
  return std::nullopt;
}

jwt_verifier::jwt_verifier(jwt_key key, jwt_rules rules)
    : key_(std::move(key)), rules_(std::move(rules)) {
  if (rules_.leeway_s < 0 || rules_.leeway_s > 3600) {
    throw error(rules_.noun + " leeway must be between 0 and 3600 seconds, got " +
                std::to_string(rules_.leeway_s));
  }
  if (rules_.exact_header) exact_header_b64_ = base64url_encode(*rules_.exact_header);
}

jwt_verdict jwt_verifier::fail(token_error code, std::string reason) const {
  jwt_verdict v;
  v.code = code;
  v.reason = std::move(reason);
  return v;
}

jwt_verdict jwt_verifier::malformed() const {
  return fail(token_error::malformed, "malformed " + rules_.noun);
}

jwt_verdict jwt_verifier::verify(std::string_view token, std::int64_t now_s) const {
  // Before anything is decoded: an oversized token costs one comparison.
  if (token.empty() || token.size() > rules_.max_size) return malformed();
  const auto parts = compact_jws::split(token);
  if (!parts) return malformed();

  if (rules_.exact_header) {
    if (parts->header != exact_header_b64_) {
      return fail(token_error::unsupported_algorithm, "not a " + rules_.noun);
    }
  } else if (auto header = check_header(parts->header); !header.ok()) {
    return header;
  }

  if (!key_.verifies(parts->signing_input, parts->signature)) {
    return fail(token_error::bad_signature, "bad signature");
  }

  // From here the bytes were signed with the key; still checked as if they were not.
  const auto payload_text = base64url_decode(parts->payload);
  if (!payload_text) return malformed();
  json claims = json::parse(*payload_text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return malformed();
  return check_claims(std::move(claims), now_s);
}

// The header by our own reading, and only to refuse: the key fixed the algorithm, so "alg"
// must name exactly that one, and nothing in the header picks anything.
jwt_verdict jwt_verifier::check_header(std::string_view header_b64) const {
  const auto text = base64url_decode(header_b64);
  if (!text) return malformed();
  const json header = json::parse(*text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return malformed();
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return malformed();
  const auto& alg_name = alg->get_ref<const std::string&>();
  if (jws_algorithm_from_string(alg_name) != key_.algorithm()) {
    if (!rules_.explain_algorithm) {
      return fail(token_error::unsupported_algorithm, "unsupported algorithm");
    }
    if (lowercase(alg_name) == "none") {
      return fail(token_error::unsupported_algorithm,
                  "unsigned " + rules_.noun + " (alg none) refused");
    }
    return fail(token_error::unsupported_algorithm,
                "unsupported algorithm: expected " + std::string(to_string(key_.algorithm())));
  }
  if (const auto typ = header.find("typ"); typ != header.end()) {
    bool known = false;
    if (typ->is_string()) {
      const std::string t = media_type(typ->get_ref<const std::string&>());
      for (const auto& accepted : rules_.types) known = known || t == media_type(accepted);
    }
    if (!known) return fail(token_error::malformed, "unsupported " + rules_.noun + " type");
  }
  // We implement no JWS extension, so one marked critical must be refused (RFC 7515 4.1.11).
  if (header.contains("crit")) return fail(token_error::malformed, "unsupported critical header");
  return {};
}

jwt_verdict jwt_verifier::check_claims(json claims, std::int64_t now_s) const {
  const auto missing = [&](std::string_view name) {
    return fail(token_error::bad_claims, "missing claim '" + std::string(name) + "'");
  };
  const auto malformed_claim = [&](std::string_view name) {
    return fail(token_error::bad_claims, "malformed claim '" + std::string(name) + "'");
  };

  if (!rules_.issuer.empty()) {
    const auto iss = claims.find("iss");
    if (iss == claims.end()) return missing("iss");
    if (!iss->is_string() || iss->get_ref<const std::string&>() != rules_.issuer) {
      return fail(token_error::wrong_issuer, "wrong issuer");
    }
  }

  // "aud" is a string or an array of strings (RFC 7519 4.1.3); ours must be among them.
  if (!rules_.audience.empty()) {
    const auto aud = claims.find("aud");
    if (aud == claims.end()) return missing("aud");
    bool matches = false;
    if (aud->is_string()) {
      matches = aud->get_ref<const std::string&>() == rules_.audience;
    } else if (aud->is_array()) {
      for (const json& each : *aud) {
        if (!each.is_string()) return malformed_claim("aud");
        matches = matches || each.get_ref<const std::string&>() == rules_.audience;
      }
    } else {
      return malformed_claim("aud");
    }
    if (!matches) return fail(token_error::bad_claims, "wrong audience");
  }

  // A token without "exp" would be valid forever: refused.
  const auto exp_claim = claims.find("exp");
  if (exp_claim == claims.end()) return missing("exp");
  const auto exp = numeric_date(*exp_claim, rules_.fractional_dates, false);
  if (!exp) return malformed_claim("exp");
  std::optional<std::int64_t> not_before[2];  // nbf, iat: neither may lie ahead
  const char* names[2] = {"nbf", "iat"};
  const bool required[2] = {rules_.require_nbf, rules_.require_iat};
  for (int i = 0; i < 2; ++i) {
    const auto claim = claims.find(names[i]);
    if (claim == claims.end()) {
      if (required[i]) return missing(names[i]);
      continue;
    }
    not_before[i] = numeric_date(*claim, rules_.fractional_dates, true);
    if (!not_before[i]) return malformed_claim(names[i]);
  }

  // 128-bit arithmetic: now_s comes from the caller and may be anything.
  using wide = __int128;
  for (const auto& t : not_before) {
    if (t && wide{*t} - now_s > rules_.leeway_s) {
      return fail(token_error::not_yet_valid, rules_.noun + " not yet valid");
    }
  }
  if (wide{now_s} - *exp >= rules_.leeway_s) {
    return fail(token_error::expired, rules_.noun + " expired");
  }

  jwt_verdict v;
  v.claims = std::move(claims);
  v.expires_at = *exp;
  return v;
}

}  // namespace camgate::auth
