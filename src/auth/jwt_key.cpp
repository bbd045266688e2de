#include "auth/jwt_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "auth/base64url.hpp"
#include "auth/error.hpp"
#include "auth/hmac_sha256.hpp"

namespace camgate::auth {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr std::size_t kEs256SignatureBytes = 64;  // r || s, 32 bytes each

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

std::string_view to_string(jws_algorithm a) {
  switch (a) {
    case jws_algorithm::hs256:
      return "HS256";
    case jws_algorithm::rs256:
      return "RS256";
    case jws_algorithm::es256:
      return "ES256";
  }
  return "HS256";
}

std::optional<jws_algorithm> jws_algorithm_from_string(std::string_view name) {
  if (name == "HS256") return jws_algorithm::hs256;
  if (name == "RS256") return jws_algorithm::rs256;
  if (name == "ES256") return jws_algorithm::es256;
  return std::nullopt;
}

jwt_key jwt_key::hs256(std::string secret, std::string_view what) {
  if (secret.size() < min_secret_bytes) {
    throw error(std::string(what) + " has " + std::to_string(secret.size()) +
                " bytes; HS256 needs at least " + std::to_string(min_secret_bytes));
  }
  jwt_key key(jws_algorithm::hs256);
  key.secret_ = std::move(secret);
  return key;
}

jwt_key jwt_key::public_key(jws_algorithm algorithm, const std::string& pem) {
  if (algorithm == jws_algorithm::hs256) throw error("HS256 has no public key");
  jwt_key key(algorithm);
  key.public_key_ = load_public_key(pem, to_string(algorithm));
  return key;
}

jwt_key::~jwt_key() {
  sodium_memzero(secret_.data(), secret_.size());
}

std::string jwt_key::hs256_signature(std::string_view signing_input) const {
  sha256_mac mac = hmac_sha256(secret_, signing_input);
  std::string text =
      base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  sodium_memzero(mac.data(), mac.size());
  return text;
}

bool jwt_key::verifies(std::string_view signing_input, std::string_view signature) const {
  if (algorithm_ == jws_algorithm::hs256) {
    // The canonical encoding compared in constant time: the decoder is strict, so each
    // MAC has exactly one accepted spelling, and timing tells nothing of a near miss.
    return constant_time_equal(hs256_signature(signing_input), signature);
  }
  const auto raw = base64url_decode(signature);
  if (!raw) return false;
  if (algorithm_ == jws_algorithm::rs256) {
    if (raw->size() != static_cast<std::size_t>(EVP_PKEY_get_size(public_key_.get()))) return false;
    return evp_verify(public_key_.get(), signing_input, *raw);
  }
  const auto der = es256_to_der(*raw);
  return der && evp_verify(public_key_.get(), signing_input, *der);
}

std::string jwt_key::sign(std::string_view header_json, std::string_view payload_json) const {
  if (algorithm_ != jws_algorithm::hs256) {
    throw error("cannot sign with a " + std::string(to_string(algorithm_)) + " public key");
  }
  std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  const std::string signature = hs256_signature(input);
  return input + "." + signature;
}

}  // namespace camgate::auth
