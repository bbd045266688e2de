#include "auth/external_jwt_verifier.hpp"

#include <cmath>
#include <cstring>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include "auth/base64url.hpp"
#include "auth/compact_jws.hpp"
#include "auth/error.hpp"
#include "auth/hmac_sha256.hpp"

namespace camgate::auth {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMinSecretBytes = 32;  // RFC 7518 3.2: at least the hash size
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kEs256SignatureBytes = 64;  // r || s, 32 bytes each
constexpr std::size_t kMaxNameBytes = 256;
// Claims beyond this (year ~33658) are nonsense; bounding them keeps time arithmetic exact.
constexpr std::int64_t kMaxTime = 1'000'000'000'000;

struct pkey_deleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct bio_deleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct ecdsa_sig_deleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

verify_result failure(token_error code, std::string reason) {
  verify_result r;
  r.code = code;
  r.reason = std::move(reason);
  return r;
}

verify_result malformed() {
  return failure(token_error::malformed, "malformed token");
}

verify_result missing_claim(std::string_view name) {
  return failure(token_error::bad_claims, "missing claim '" + std::string(name) + "'");
}

verify_result malformed_claim(std::string_view name) {
  return failure(token_error::bad_claims, "malformed claim '" + std::string(name) + "'");
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// NumericDate (RFC 7519 2): integer or fraction, within [0, kMaxTime]. Fractions round
// towards the stricter side: `round_up` for nbf, down for exp.
std::optional<std::int64_t> time_claim(const json& j, bool round_up) {
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
  if (j.is_number_float()) {
    const double v = j.get<double>();
    if (!std::isfinite(v) || v < 0 || v > static_cast<double>(kMaxTime)) return std::nullopt;
    return static_cast<std::int64_t>(round_up ? std::ceil(v) : std::floor(v));
  }
  return std::nullopt;
}

// A user name we are willing to put in logs and identities: printable, bounded.
std::optional<std::string> user_name_claim(const json& j) {
  if (j.is_number_integer()) return j.dump();  // some services name users by number
  if (!j.is_string()) return std::nullopt;
  const auto& s = j.get_ref<const std::string&>();
  if (s.empty() || s.size() > kMaxNameBytes) return std::nullopt;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  }
  return s;
}

bool typ_acceptable(const json& typ) {
  // RFC 7519 5.1 recommends "JWT"; RFC 9068 access tokens say "at+jwt". Media types are
  // case-insensitive and may carry the "application/" prefix.
  if (!typ.is_string()) return false;
  std::string t = lowercase(typ.get_ref<const std::string&>());
  if (t.starts_with("application/")) t.erase(0, std::strlen("application/"));
  return t == "jwt" || t == "at+jwt";
}

std::shared_ptr<evp_pkey_st> load_public_key(const std::string& pem, std::string_view algorithm) {
  if (pem.find("PRIVATE KEY") != std::string::npos) {
    throw error("public_key_pem for " + std::string(algorithm) +
                " holds a private key: configure only the issuer's public key");
  }
  if (pem.size() > 64 * 1024) throw error("public_key_pem is larger than 64 KiB");
  std::unique_ptr<BIO, bio_deleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw error("cannot read public_key_pem: out of memory");
  std::unique_ptr<EVP_PKEY, pkey_deleter> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!key) {
    throw error("public_key_pem for " + std::string(algorithm) +
                " is not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")");
  }
  if (algorithm == "RS256") {
    if (!EVP_PKEY_is_a(key.get(), "RSA")) {
      throw error("public_key_pem is not an RSA key, but the algorithm is RS256");
    }
    if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
      throw error("the RS256 public key has " + std::to_string(EVP_PKEY_get_bits(key.get())) +
                  " bits; at least " + std::to_string(kMinRsaBits) + " are required");
    }
  } else {
    char group[64] = {};
    std::size_t len = 0;
    const bool p256 = EVP_PKEY_is_a(key.get(), "EC") &&
                      EVP_PKEY_get_group_name(key.get(), group, sizeof group, &len) == 1 &&
                      std::string_view(group, len) == "prime256v1";
    ERR_clear_error();
    if (!p256) throw error("public_key_pem is not an EC P-256 key, but the algorithm is ES256");
  }
  return std::shared_ptr<evp_pkey_st>(key.release(), pkey_deleter{});
}

// JWS carries an ECDSA signature as the raw r || s (RFC 7518 3.4); OpenSSL wants DER.
std::optional<std::string> es256_to_der(std::string_view raw) {
  if (raw.size() != kEs256SignatureBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, ecdsa_sig_deleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return std::nullopt;
  return der;
}

bool evp_verify(EVP_PKEY* key, std::string_view signing_input, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx &&
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, nullptr) == 1 &&
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  // A failed verification leaves entries on this thread's OpenSSL error queue; other code
  // on the thread must not find them.
  ERR_clear_error();
  return ok;
}

}  // namespace

external_jwt_verifier::external_jwt_verifier(external_jwt_config config)
    : config_(std::move(config)) {
  const std::string& alg = config_.algorithm;
  if (alg == "HS256") {
    alg_ = algorithm::hs256;
    if (config_.secret.size() < kMinSecretBytes) {
      throw error("the HS256 secret of the external issuer has " +
                  std::to_string(config_.secret.size()) + " bytes; at least " +
                  std::to_string(kMinSecretBytes) + " are required");
    }
  } else if (alg == "RS256" || alg == "ES256") {
    alg_ = alg == "RS256" ? algorithm::rs256 : algorithm::es256;
    key_ = load_public_key(config_.public_key_pem, alg);
  } else {
    throw error("external JWT algorithm must be HS256, RS256 or ES256, got '" + alg + "'");
  }
  if (config_.issuer.empty()) throw error("the external JWT issuer must not be empty");
  if (config_.audience.empty()) throw error("the external JWT audience must not be empty");
  if (config_.user_claim.empty()) throw error("the external JWT user claim must not be empty");
  if (config_.leeway_s < 0 || config_.leeway_s > 3600) {
    throw error("external JWT leeway must be between 0 and 3600 seconds, got " +
                std::to_string(config_.leeway_s));
  }
}

verify_result external_jwt_verifier::verify(std::string_view token,
                                            std::int64_t now_s) const noexcept {
  try {
    return check(token, now_s);
  } catch (...) {
    // Only allocation can throw in check(); a token we cannot afford to read is refused.
    try {
      return malformed();
    } catch (...) {
      return verify_result{std::nullopt, 0, token_error::malformed, {}};
    }
  }
}

bool external_jwt_verifier::signature_valid(std::string_view signing_input,
                                            std::string_view signature) const {
  if (alg_ == algorithm::hs256) {
    // Compare the canonical encoding in constant time: the decoder is strict, so each
    // MAC has exactly one accepted spelling.
    const sha256_mac mac = hmac_sha256(config_.secret, signing_input);
    const std::string expected =
        base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
    return constant_time_equal(expected, signature);
  }
  const auto raw = base64url_decode(signature);
  if (!raw) return false;
  if (alg_ == algorithm::rs256) {
    if (raw->size() != static_cast<std::size_t>(EVP_PKEY_get_size(key_.get()))) return false;
    return evp_verify(key_.get(), signing_input, *raw);
  }
  const auto der = es256_to_der(*raw);
  return der && evp_verify(key_.get(), signing_input, *der);
}

verify_result external_jwt_verifier::check(std::string_view token, std::int64_t now_s) const {
  if (token.empty() || token.size() > max_token_size) return malformed();
  const auto parts = compact_jws::split(token);
  if (!parts) return malformed();

  // The header by our own reading, and only to refuse: the algorithm and key were fixed
  // by the configuration, so "alg" must name exactly that one and nothing else is used.
  const auto header_text = base64url_decode(parts->header);
  if (!header_text) return malformed();
  const json header = json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return malformed();
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return malformed();
  const auto& alg_name = alg->get_ref<const std::string&>();
  if (lowercase(alg_name) == "none") {
    return failure(token_error::unsupported_algorithm, "unsigned token (alg none) refused");
  }
  if (alg_name != config_.algorithm) {
    return failure(token_error::unsupported_algorithm,
                   "unsupported algorithm: expected " + config_.algorithm);
  }
  if (const auto typ = header.find("typ"); typ != header.end() && !typ_acceptable(*typ)) {
    return failure(token_error::malformed, "unsupported token type");
  }
  // We implement no JWS extension, so one marked critical must be refused (RFC 7515 4.1.11).
  if (header.contains("crit")) {
    return failure(token_error::malformed, "unsupported critical header");
  }

  if (!signature_valid(parts->signing_input, parts->signature)) {
    return failure(token_error::bad_signature, "bad signature");
  }

  // From here the bytes were signed by the issuer; still checked as if they were not.
  const auto payload_text = base64url_decode(parts->payload);
  if (!payload_text) return malformed();
  const json claims = json::parse(*payload_text, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return malformed();

  const auto iss = claims.find("iss");
  if (iss == claims.end()) return missing_claim("iss");
  if (!iss->is_string() || iss->get_ref<const std::string&>() != config_.issuer) {
    return failure(token_error::wrong_issuer, "wrong issuer");
  }

  // "aud" is a string or an array of strings (RFC 7519 4.1.3); ours must be among them.
  const auto aud = claims.find("aud");
  if (aud == claims.end()) return missing_claim("aud");
  bool audience_matches = false;
  if (aud->is_string()) {
    audience_matches = aud->get_ref<const std::string&>() == config_.audience;
  } else if (aud->is_array()) {
    for (const json& each : *aud) {
      if (!each.is_string()) return malformed_claim("aud");
      if (each.get_ref<const std::string&>() == config_.audience) audience_matches = true;
    }
  } else {
    return malformed_claim("aud");
  }
  if (!audience_matches) return failure(token_error::bad_claims, "wrong audience");

  // A token without "exp" would be valid forever: refused.
  const auto exp_claim = claims.find("exp");
  if (exp_claim == claims.end()) return missing_claim("exp");
  const auto exp = time_claim(*exp_claim, false);
  if (!exp) return malformed_claim("exp");
  std::optional<std::int64_t> nbf;
  if (const auto nbf_claim = claims.find("nbf"); nbf_claim != claims.end()) {
    nbf = time_claim(*nbf_claim, true);
    if (!nbf) return malformed_claim("nbf");
  }
  // 128-bit arithmetic: now_s comes from the caller and may be anything.
  using wide = __int128;
  if (nbf && wide{*nbf} - now_s > config_.leeway_s) {
    return failure(token_error::not_yet_valid, "token not yet valid");
  }
  if (wide{now_s} - *exp >= config_.leeway_s) {
    return failure(token_error::expired, "token expired");
  }

  const auto user = claims.find(config_.user_claim);
  if (user == claims.end()) return missing_claim(config_.user_claim);
  auto name = user_name_claim(*user);
  if (!name) return malformed_claim(config_.user_claim);

  auth::role user_role = role::user;
  if (!config_.role_claim.empty()) {
    if (const auto r = claims.find(config_.role_claim); r != claims.end()) {
      const auto is_admin_value = [&](const json& v) {
        return !config_.admin_role_value.empty() &&
               v.get_ref<const std::string&>() == config_.admin_role_value;
      };
      if (r->is_string()) {
        if (is_admin_value(*r)) user_role = role::admin;
      } else if (r->is_array()) {
        for (const json& each : *r) {
          if (!each.is_string()) return malformed_claim(config_.role_claim);
          if (is_admin_value(each)) user_role = role::admin;
        }
      } else {
        return malformed_claim(config_.role_claim);
      }
    }
  }

  verify_result result;
  result.identity = identity{0, std::move(*name), user_role};
  result.expires_at = *exp;
  return result;
}

}  // namespace camgate::auth
