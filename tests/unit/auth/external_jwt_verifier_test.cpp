#include "auth/external_jwt_verifier.hpp"

#include <cstdlib>
#include <memory>
#include <set>

#include <gtest/gtest.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include "auth/error.hpp"

using namespace camgate::auth;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSecret = "dental-ai-backend-shared-secret-0123456789";

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

std::string b64url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string unb64url(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                              text.size(), nullptr, &len, nullptr,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  out.resize(len);
  return out;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// A key pair made for this run: nothing secret is checked in.
struct key_pair {
  pkey_ptr key;
  std::string private_pem;
  std::string public_pem;
};

key_pair make_key(const char* type, int rsa_bits = 2048) {
  EVP_PKEY* raw = std::string_view(type) == "RSA"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!raw) std::abort();
  key_pair kp{pkey_ptr(raw), {}, {}};
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, raw, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, raw);
  kp.private_pem = bio_text(priv);
  kp.public_pem = bio_text(pub);
  BIO_free(priv);
  BIO_free(pub);
  return kp;
}

std::string hmac(std::string_view key, std::string_view input) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

// DER-encoded ECDSA signature as OpenSSL makes it, or PKCS#1 v1.5 for RSA.
std::string evp_sign(EVP_PKEY* key, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key, nullptr);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  return sig;
}

// JWS wants r || s, 32 bytes each.
std::string der_to_raw(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

enum class signer { hs256, rs256, es256, es256_der };

// A token built by hand: `how` signs whatever the header claims.
std::string forge(const json& header, const json& payload, signer how, std::string_view secret,
                  EVP_PKEY* key = nullptr) {
  const std::string input = b64url(header.dump()) + "." + b64url(payload.dump());
  std::string sig;
  switch (how) {
    case signer::hs256:
      sig = hmac(secret, input);
      break;
    case signer::rs256:
    case signer::es256_der:
      sig = evp_sign(key, input);
      break;
    case signer::es256:
      sig = der_to_raw(evp_sign(key, input));
      break;
  }
  return input + "." + b64url(sig);
}

// The way the issuing service would do it: libjwt 1.10 with the private key.
std::string libjwt_sign(jwt_alg_t alg, std::string_view key, const json& claims) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) std::abort();
  if (jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())) != 0 ||
      jwt_add_grants_json(jwt, claims.dump().c_str()) != 0) {
    std::abort();
  }
  char* text = jwt_encode_str(jwt);
  jwt_free(jwt);
  if (!text) return {};
  std::string token(text);
  std::free(text);
  return token;
}

json claims(std::int64_t now = kNow) {
  return {{"sub", "dr.smith"}, {"role", "doctor"}, {"iss", "dental-ai"}, {"aud", "camgate"},
          {"iat", now},        {"nbf", now},       {"exp", now + 900}};
}

external_jwt_config base_config(std::string alg) {
  external_jwt_config c;
  c.algorithm = std::move(alg);
  c.issuer = "dental-ai";
  c.audience = "camgate";
  return c;
}

class external_jwt_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new key_pair(make_key("RSA"));
    other_rsa_ = new key_pair(make_key("RSA"));
    ec_ = new key_pair(make_key("EC"));
    other_ec_ = new key_pair(make_key("EC"));
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete other_rsa_;
    delete ec_;
    delete other_ec_;
  }

  static external_jwt_verifier hs256() {
    auto c = base_config("HS256");
    c.secret = kSecret;
    return external_jwt_verifier(c);
  }
  static external_jwt_verifier rs256() {
    auto c = base_config("RS256");
    c.public_key_pem = rsa_->public_pem;
    return external_jwt_verifier(c);
  }
  static external_jwt_verifier es256() {
    auto c = base_config("ES256");
    c.public_key_pem = ec_->public_pem;
    return external_jwt_verifier(c);
  }

  static std::string hs(const json& payload,
                        const json& header = {{"alg", "HS256"}, {"typ", "JWT"}}) {
    return forge(header, payload, signer::hs256, kSecret);
  }
  static std::string rs(const json& payload,
                        const json& header = {{"alg", "RS256"}, {"typ", "JWT"}}) {
    return forge(header, payload, signer::rs256, {}, rsa_->key.get());
  }
  static std::string es(const json& payload,
                        const json& header = {{"alg", "ES256"}, {"typ", "JWT"}}) {
    return forge(header, payload, signer::es256, {}, ec_->key.get());
  }

  // Checks the failure and returns its reason.
  static std::string rejected(const external_jwt_verifier& v, std::string_view token,
                              token_error code, std::string_view reason = {},
                              std::int64_t now = kNow) {
    const verify_result r = v.verify(token, now);
    EXPECT_FALSE(r.ok()) << token;
    EXPECT_FALSE(r.identity);
    EXPECT_EQ(r.code, code) << "reason: " << r.reason;
    EXPECT_FALSE(r.reason.empty());
    if (!reason.empty()) {
      EXPECT_EQ(r.reason, reason);
    }
    return r.reason;
  }

  static inline key_pair* rsa_ = nullptr;
  static inline key_pair* other_rsa_ = nullptr;
  static inline key_pair* ec_ = nullptr;
  static inline key_pair* other_ec_ = nullptr;
};

void expect_user(const verify_result& r, std::string_view name, role expected = role::user) {
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.code, token_error::none);
  EXPECT_TRUE(r.reason.empty());
  EXPECT_EQ(r.identity->user_id, 0);  // external: the caller maps names to local ids
  EXPECT_EQ(r.identity->name, name);
  EXPECT_EQ(r.identity->role, expected);
}

}  // namespace

TEST_F(external_jwt_test, AcceptsTokensSignedByLibjwtWithEachAlgorithm) {
  const verify_result h = hs256().verify(libjwt_sign(JWT_ALG_HS256, kSecret, claims()), kNow);
  expect_user(h, "dr.smith");
  EXPECT_EQ(h.expires_at, kNow + 900);

  const std::string rs_token = libjwt_sign(JWT_ALG_RS256, rsa_->private_pem, claims());
  expect_user(rs256().verify(rs_token, kNow + 60), "dr.smith");

  // libjwt 1.10 writes ES256 signatures as JWS wants them: 64 raw bytes, not DER.
  const std::string es_token = libjwt_sign(JWT_ALG_ES256, ec_->private_pem, claims());
  ASSERT_FALSE(es_token.empty());
  EXPECT_EQ(unb64url(es_token.substr(es_token.rfind('.') + 1)).size(), 64u);
  const verify_result e = es256().verify(es_token, kNow);
  expect_user(e, "dr.smith");
  EXPECT_EQ(e.expires_at, kNow + 900);
}

TEST_F(external_jwt_test, AcceptsHandSignedTokens) {
  // Guards the forged cases below: they fail for the reason they test, not by accident.
  expect_user(hs256().verify(hs(claims()), kNow), "dr.smith");
  expect_user(rs256().verify(rs(claims()), kNow), "dr.smith");
  expect_user(es256().verify(es(claims()), kNow), "dr.smith");
}

TEST_F(external_jwt_test, RoleClaimMakesAdmins) {
  auto c = claims();
  c["role"] = "admin";
  expect_user(hs256().verify(hs(c), kNow), "dr.smith", role::admin);
  c["role"] = json::array({"doctor", "admin"});
  expect_user(hs256().verify(hs(c), kNow), "dr.smith", role::admin);
  c["role"] = json::array({"doctor"});
  expect_user(hs256().verify(hs(c), kNow), "dr.smith");
  c["role"] = "Admin";  // values are exact
  expect_user(hs256().verify(hs(c), kNow), "dr.smith");
  c["role"] = "robot";  // an external service cannot mint robots
  expect_user(hs256().verify(hs(c), kNow), "dr.smith");
  c.erase("role");
  expect_user(hs256().verify(hs(c), kNow), "dr.smith");

  c["role"] = 1;
  rejected(hs256(), hs(c), token_error::bad_claims, "malformed claim 'role'");
  c["role"] = json::array({"admin", 1});
  rejected(hs256(), hs(c), token_error::bad_claims, "malformed claim 'role'");
}

TEST_F(external_jwt_test, ClaimNamesAreConfigurable) {
  auto config = base_config("HS256");
  config.secret = kSecret;
  config.user_claim = "email";
  config.role_claim = "groups";
  config.admin_role_value = "camgate-admins";
  const external_jwt_verifier v(config);

  auto c = claims();
  c["email"] = "smith@clinic.example";
  c["groups"] = json::array({"staff", "camgate-admins"});
  c["role"] = "doctor";
  expect_user(v.verify(hs(c), kNow), "smith@clinic.example", role::admin);
  c["groups"] = "staff";
  c["role"] = "camgate-admins";  // the default claim name means nothing now
  expect_user(v.verify(hs(c), kNow), "smith@clinic.example");

  c.erase("email");
  rejected(v, hs(c), token_error::bad_claims, "missing claim 'email'");

  // No role claim at all: everyone is a user.
  config.user_claim = "sub";
  config.role_claim = "";
  c = claims();
  c["role"] = "admin";
  expect_user(external_jwt_verifier(config).verify(hs(c), kNow), "dr.smith");
}

TEST_F(external_jwt_test, UserClaimMustBeAUsableName) {
  auto c = claims();
  c["sub"] = 1234;  // numeric user ids are common
  expect_user(hs256().verify(hs(c), kNow), "1234");

  c.erase("sub");
  rejected(hs256(), hs(c), token_error::bad_claims, "missing claim 'sub'");
  for (const json& bad : {json(""), json(nullptr), json(1.5), json::array({"a"}),
                          json("line\nbreak"), json(std::string(300, 'x'))}) {
    c["sub"] = bad;
    rejected(hs256(), hs(c), token_error::bad_claims, "malformed claim 'sub'");
  }
}

TEST_F(external_jwt_test, RejectsAlgNone) {
  const std::string payload = b64url(claims().dump());
  const std::string reason = "unsigned token (alg none) refused";
  for (const auto& v : {hs256(), rs256(), es256()}) {
    rejected(v, b64url(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".",
             token_error::unsupported_algorithm, reason);
    rejected(v, b64url(R"({"alg":"None"})") + "." + payload + ".",
             token_error::unsupported_algorithm, reason);
    // With a signature attached that would be valid HS256, too.
    rejected(v, hs(claims(), {{"alg", "none"}}), token_error::unsupported_algorithm, reason);
    // Two parts only: not even a JWS.
    rejected(v, b64url(R"({"alg":"none"})") + "." + payload, token_error::malformed,
             "malformed token");
  }
}

TEST_F(external_jwt_test, RejectsHs256KeyedWithThePublicKey) {
  // The classic confusion: a verifier that lets the header pick HMAC would use the
  // public PEM, which everybody has, as the secret.
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  rejected(rs256(), forge(header, claims(), signer::hs256, rsa_->public_pem),
           token_error::unsupported_algorithm, "unsupported algorithm: expected RS256");
  rejected(es256(), forge(header, claims(), signer::hs256, ec_->public_pem),
           token_error::unsupported_algorithm, "unsupported algorithm: expected ES256");
  // libjwt would happily sign it too; still refused.
  rejected(rs256(), libjwt_sign(JWT_ALG_HS256, rsa_->public_pem, claims()),
           token_error::unsupported_algorithm);
}

TEST_F(external_jwt_test, RejectsEveryOtherAlgorithm) {
  rejected(hs256(), rs(claims()), token_error::unsupported_algorithm,
           "unsupported algorithm: expected HS256");
  rejected(hs256(), es(claims()), token_error::unsupported_algorithm);
  rejected(rs256(), es(claims()), token_error::unsupported_algorithm);
  rejected(es256(), rs(claims()), token_error::unsupported_algorithm);
  // A valid RS256 signature under a header naming a sibling algorithm.
  for (const char* alg : {"RS384", "RS512", "PS256", "rs256", "RS256 ", ""}) {
    SCOPED_TRACE(alg);
    rejected(rs256(), rs(claims(), {{"alg", alg}}), token_error::unsupported_algorithm,
             "unsupported algorithm: expected RS256");
  }
  rejected(hs256(), hs(claims(), {{"alg", "HS512"}}), token_error::unsupported_algorithm);
}

TEST_F(external_jwt_test, RejectsBadSignatures) {
  // Another key of the right type.
  rejected(rs256(), forge({{"alg", "RS256"}}, claims(), signer::rs256, {}, other_rsa_->key.get()),
           token_error::bad_signature, "bad signature");
  rejected(es256(), forge({{"alg", "ES256"}}, claims(), signer::es256, {}, other_ec_->key.get()),
           token_error::bad_signature, "bad signature");
  rejected(hs256(), forge({{"alg", "HS256"}}, claims(), signer::hs256, kSecret + "x"),
           token_error::bad_signature, "bad signature");
  // ES256 must be raw r || s; OpenSSL's DER form is refused.
  rejected(es256(), forge({{"alg", "ES256"}}, claims(), signer::es256_der, {}, ec_->key.get()),
           token_error::bad_signature);

  // A payload changed after signing, and a missing or cut signature.
  for (const auto& [v, token] : {std::pair{hs256(), hs(claims())}, std::pair{rs256(), rs(claims())},
                                 std::pair{es256(), es(claims())}}) {
    const auto dot1 = token.find('.');
    const auto dot2 = token.rfind('.');
    auto c = claims();
    c["role"] = "admin";
    const std::string altered = token.substr(0, dot1 + 1) + b64url(c.dump()) + token.substr(dot2);
    rejected(v, altered, token_error::bad_signature, "bad signature");
    rejected(v, token.substr(0, dot2 + 1), token_error::bad_signature);
    rejected(v, token.substr(0, token.size() - 4), token_error::bad_signature);
    for (std::size_t i = dot2 + 1; i < token.size(); i += 7) {
      std::string flipped = token;
      flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
      rejected(v, flipped, token_error::bad_signature);
    }
  }
}

TEST_F(external_jwt_test, ExpiryAndNotBeforeWithLeeway) {
  auto c = claims();
  c["exp"] = kNow;
  // Leeway 30 s: valid until exp + 30 (exclusive).
  expect_user(hs256().verify(hs(c), kNow + 29), "dr.smith");
  rejected(hs256(), hs(c), token_error::expired, "token expired", kNow + 30);
  rejected(hs256(), hs(c), token_error::expired, "token expired", kNow + 86400);

  c = claims();
  c["nbf"] = kNow + 30;
  expect_user(hs256().verify(hs(c), kNow), "dr.smith");
  c["nbf"] = kNow + 31;
  rejected(hs256(), hs(c), token_error::not_yet_valid, "token not yet valid");

  auto strict = base_config("HS256");
  strict.secret = kSecret;
  strict.leeway_s = 0;
  c = claims();
  c["exp"] = kNow;
  rejected(external_jwt_verifier(strict), hs(c), token_error::expired, "token expired");
  c["exp"] = kNow + 1;
  expect_user(external_jwt_verifier(strict).verify(hs(c), kNow), "dr.smith");

  // Fractional NumericDates are allowed, rounded the strict way.
  c["exp"] = kNow + 0.5;
  rejected(external_jwt_verifier(strict), hs(c), token_error::expired);
  c = claims();
  c["nbf"] = kNow + 0.5;
  rejected(external_jwt_verifier(strict), hs(c), token_error::not_yet_valid);
}

TEST_F(external_jwt_test, ExpIsRequiredAndTimesMustBeNumbers) {
  auto c = claims();
  c.erase("exp");
  rejected(hs256(), hs(c), token_error::bad_claims, "missing claim 'exp'");
  c.erase("nbf");  // optional
  c["exp"] = kNow + 60;
  expect_user(hs256().verify(hs(c), kNow), "dr.smith");
  for (const json& bad : {json("1700000060"), json(-1), json(1e300), json(nullptr)}) {
    c["exp"] = bad;
    rejected(hs256(), hs(c), token_error::bad_claims, "malformed claim 'exp'");
  }
  c["exp"] = kNow + 60;
  c["nbf"] = "now";
  rejected(hs256(), hs(c), token_error::bad_claims, "malformed claim 'nbf'");
}

TEST_F(external_jwt_test, IssuerMustMatch) {
  auto c = claims();
  c["iss"] = "someone-else";
  rejected(hs256(), hs(c), token_error::wrong_issuer, "wrong issuer");
  rejected(rs256(), rs(c), token_error::wrong_issuer, "wrong issuer");
  c["iss"] = 7;
  rejected(hs256(), hs(c), token_error::wrong_issuer, "wrong issuer");
  c.erase("iss");
  rejected(hs256(), hs(c), token_error::bad_claims, "missing claim 'iss'");
}

TEST_F(external_jwt_test, AudienceMayBeAStringOrAnArray) {
  auto c = claims();
  c["aud"] = json::array({"billing", "camgate"});
  expect_user(hs256().verify(hs(c), kNow), "dr.smith");
  expect_user(es256().verify(es(c), kNow), "dr.smith");
  c["aud"] = json::array({"camgate"});
  expect_user(rs256().verify(rs(c), kNow), "dr.smith");

  c["aud"] = "billing";
  rejected(hs256(), hs(c), token_error::bad_claims, "wrong audience");
  c["aud"] = json::array({"billing", "CAMGATE"});
  rejected(hs256(), hs(c), token_error::bad_claims, "wrong audience");
  c["aud"] = json::array();
  rejected(hs256(), hs(c), token_error::bad_claims, "wrong audience");
  c.erase("aud");
  rejected(hs256(), hs(c), token_error::bad_claims, "missing claim 'aud'");
  rejected(rs256(), rs(c), token_error::bad_claims, "missing claim 'aud'");
  c["aud"] = json::array({"camgate", 5});
  rejected(hs256(), hs(c), token_error::bad_claims, "malformed claim 'aud'");
  c["aud"] = json::object({{"camgate", true}});
  rejected(hs256(), hs(c), token_error::bad_claims, "malformed claim 'aud'");
}

TEST_F(external_jwt_test, HeaderTypeAndCriticalExtensions) {
  expect_user(hs256().verify(hs(claims(), {{"alg", "HS256"}}), kNow), "dr.smith");
  for (const char* typ : {"JWT", "jwt", "at+jwt", "application/at+JWT"}) {
    expect_user(hs256().verify(hs(claims(), {{"alg", "HS256"}, {"typ", typ}}), kNow), "dr.smith");
  }
  // Header fields that would pick a key are ignored: the configured key is the only one.
  expect_user(rs256().verify(
                  rs(claims(),
                     {{"alg", "RS256"}, {"kid", "attacker"}, {"jku", "https://evil.example/jwks"}}),
                  kNow),
              "dr.smith");
  rejected(hs256(), hs(claims(), {{"alg", "HS256"}, {"typ", "ticket"}}), token_error::malformed,
           "unsupported token type");
  rejected(hs256(), hs(claims(), {{"alg", "HS256"}, {"typ", 1}}), token_error::malformed,
           "unsupported token type");
  rejected(hs256(), hs(claims(), {{"alg", "HS256"}, {"crit", {"exp"}}}), token_error::malformed,
           "unsupported critical header");
}

TEST_F(external_jwt_test, RejectsMalformedInput) {
  const std::string good = hs(claims());
  const auto v = hs256();
  for (const std::string& bad :
       {std::string(), std::string("."), std::string(".."), std::string("abc"),
        std::string("a.b.c.d"), good + ".", "." + good, good + "=", std::string("a b.c.d"),
        std::string(external_jwt_verifier::max_token_size + 1, 'a'),
        b64url("{alg: HS256") + "." + b64url(claims().dump()) + ".sig",
        b64url(R"(["HS256"])") + "." + b64url(claims().dump()) + ".sig",
        b64url(R"({"alg":256})") + "." + b64url(claims().dump()) + ".sig"}) {
    rejected(v, bad, token_error::malformed, "malformed token");
  }
  // A payload that is not a JSON object, correctly signed.
  rejected(v, hs(json::array({1, 2})), token_error::malformed, "malformed token");
  // Non-canonical base64 (non-zero trailing bits) in the signature.
  std::string noncanonical = good;
  char& last = noncanonical.back();
  last = last == 'A' ? 'B' : static_cast<char>(last ^ 1);
  rejected(v, noncanonical, token_error::bad_signature);
  // Binary garbage, embedded NULs.
  rejected(v, std::string("\0\xff\x01.\x80.x", 7), token_error::malformed);
}

TEST_F(external_jwt_test, EveryRefusalHasItsOwnReason) {
  std::set<std::string> reasons;
  auto c = claims();
  reasons.insert(rejected(hs256(), "x", token_error::malformed));
  reasons.insert(rejected(hs256(), hs(c, {{"alg", "none"}}), token_error::unsupported_algorithm));
  reasons.insert(rejected(hs256(), rs(c), token_error::unsupported_algorithm));
  reasons.insert(rejected(hs256(), hs(c) + "x", token_error::bad_signature));
  c["exp"] = kNow - 3600;
  reasons.insert(rejected(hs256(), hs(c), token_error::expired));
  c = claims();
  c["nbf"] = kNow + 3600;
  reasons.insert(rejected(hs256(), hs(c), token_error::not_yet_valid));
  c = claims();
  c["iss"] = "x";
  reasons.insert(rejected(hs256(), hs(c), token_error::wrong_issuer));
  c = claims();
  c["aud"] = "x";
  reasons.insert(rejected(hs256(), hs(c), token_error::bad_claims));
  c.erase("aud");
  reasons.insert(rejected(hs256(), hs(c), token_error::bad_claims));
  c = claims();
  c.erase("sub");
  reasons.insert(rejected(hs256(), hs(c), token_error::bad_claims));
  EXPECT_EQ(reasons.size(), 10u);
}

TEST_F(external_jwt_test, RejectsUnusableConfiguration) {
  auto c = base_config("HS384");
  c.secret = kSecret;
  EXPECT_THROW(external_jwt_verifier{c}, error);
  c.algorithm = "none";
  EXPECT_THROW(external_jwt_verifier{c}, error);

  c = base_config("HS256");
  c.secret = "short";
  EXPECT_THROW(external_jwt_verifier{c}, error);
  c.secret = kSecret;
  EXPECT_NO_THROW(external_jwt_verifier{c});
  c.issuer = "";
  EXPECT_THROW(external_jwt_verifier{c}, error);
  c.issuer = "dental-ai";
  c.audience = "";
  EXPECT_THROW(external_jwt_verifier{c}, error);
  c.audience = "camgate";
  c.user_claim = "";
  EXPECT_THROW(external_jwt_verifier{c}, error);
  c.user_claim = "sub";
  c.leeway_s = -1;
  EXPECT_THROW(external_jwt_verifier{c}, error);
  c.leeway_s = 3601;
  EXPECT_THROW(external_jwt_verifier{c}, error);

  auto r = base_config("RS256");
  EXPECT_THROW(external_jwt_verifier{r}, error);  // no key
  r.public_key_pem = "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n";
  EXPECT_THROW(external_jwt_verifier{r}, error);
  r.public_key_pem = ec_->public_pem;  // wrong key type
  EXPECT_THROW(external_jwt_verifier{r}, error);
  r.public_key_pem = rsa_->private_pem;  // a private key is never configuration
  try {
    external_jwt_verifier{r};
    ADD_FAILURE() << "a private key was accepted";
  } catch (const error& e) {
    EXPECT_NE(std::string(e.what()).find("private key"), std::string::npos) << e.what();
  }
  r.public_key_pem = make_key("RSA", 1024).public_pem;  // too weak
  EXPECT_THROW(external_jwt_verifier{r}, error);

  auto e = base_config("ES256");
  e.public_key_pem = rsa_->public_pem;
  EXPECT_THROW(external_jwt_verifier{e}, error);
  // Another curve is not ES256.
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, p384);
  e.public_key_pem = bio_text(bio);
  BIO_free(bio);
  EVP_PKEY_free(p384);
  EXPECT_THROW(external_jwt_verifier{e}, error);
}
