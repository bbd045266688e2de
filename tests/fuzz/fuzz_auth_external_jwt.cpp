// Feeds arbitrary bytes to external_jwt_verifier::verify under an HS256, an RS256 and an
// ES256 configuration: it must never crash, throw or hand out an identity other than an
// external user or admin. The seeds in corpus/fuzz_auth_external_jwt/ are tokens valid at
// kNow for each configuration (signed with the private halves of the keys below, which
// are not kept), forged variants (alg none, HS256 keyed with the RSA public key, DER
// ECDSA) and near-misses.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/external_jwt_verifier.hpp"

namespace {

using camgate::auth::external_jwt_config;
using camgate::auth::external_jwt_verifier;
using camgate::auth::role;
using camgate::auth::verify_result;

constexpr std::int64_t kNow = 1'700'000'000;

constexpr const char* kRsaPublicKey = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx3Y3mWmYLi4Rk/9DQ//7
6Nr+JvtNQs9JDdSEgHTC/wXpVytnUu3XLo3hS0dg1xKuOGV/0zNQhEfHEHpkOANR
69q7lAxzvNz1JW3UuQ7OpURbN6EBXw+trQZ/XCYAlRsnKvQ1Oh+Yyo89GpkVg/T8
ah7RqfWjEd+n05OqMbk4Q51BJra2mpBv0vLMEiPVc2iv2lZydDBW/mb7uHXiD/iU
W4Ru1J4RHpZH3+mtePqoInJ74sUcVIhHJ/LlD67wyZakelVsDuoNNfOwebAdUgQv
LqLmpuakL3O1a4sJOOFCKHqItV2K8dU1fO6KtQpF3g7lk/ZLMRIDKSf+lpc+xBdl
twIDAQAB
-----END PUBLIC KEY-----
)";

constexpr const char* kEcPublicKey = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEksIEYHZSJPdfng/S+Nh3LsOKntwP
pNaPxPsf/du5NMlDFIXlt0OUjlUjQmc3hKNJRNa3M+NrV1zNtTbWh1+BFw==
-----END PUBLIC KEY-----
)";

external_jwt_config config(const char* alg) {
  external_jwt_config c;
  c.algorithm = alg;
  c.issuer = "dental-ai";
  c.audience = "camgate";
  if (std::string_view(alg) == "HS256") c.secret = "camgate-fuzz-external-secret-0123456789";
  if (std::string_view(alg) == "RS256") c.public_key_pem = kRsaPublicKey;
  if (std::string_view(alg) == "ES256") c.public_key_pem = kEcPublicKey;
  return c;
}

void check(const verify_result& r) {
  // Either a valid identity or a reason, never both or neither.
  if (r.ok() != r.reason.empty()) std::abort();
  if (!r.ok()) return;
  if (r.code != camgate::auth::token_error::none || r.identity->user_id != 0 ||
      r.identity->name.empty() || r.identity->role == role::robot || r.expires_at <= 0) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const external_jwt_verifier hs256(config("HS256"));
  static const external_jwt_verifier rs256(config("RS256"));
  static const external_jwt_verifier es256(config("ES256"));
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(hs256.verify(input, kNow));
  check(rs256.verify(input, kNow));
  check(es256.verify(input, kNow));
  return 0;
}
