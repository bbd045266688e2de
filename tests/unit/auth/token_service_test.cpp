#include "auth/token_service.hpp"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include "auth/error.hpp"

using namespace camgate::auth;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";
const std::string kOtherSecret = "fedcba9876543210fedcba9876543210-other-secret";

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

std::string hs256(std::string_view key, std::string_view input) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return b64url(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

// A token built by hand, signed with HS256 under `key` whatever the header claims.
std::string forge(const json& header, const json& payload, std::string_view key = kSecret) {
  const std::string input = b64url(header.dump()) + "." + b64url(payload.dump());
  return input + "." + hs256(key, input);
}

json good_claims(std::int64_t now = kNow) {
  return {{"sub", "42"},  {"name", "alice"}, {"role", "admin"}, {"iss", "camgate"},
          {"jti", "abc"}, {"iat", now},      {"nbf", now},      {"exp", now + 3600}};
}

const json kHs256Header = {{"alg", "HS256"}, {"typ", "JWT"}};

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

class token_service_test : public ::testing::Test {
 protected:
  token_service tokens_{kSecret};
  const identity alice_{42, "alice", role::admin};

  void expect_rejected(std::string_view token, token_error code, std::string_view reason = {},
                       std::int64_t now = kNow) {
    const verify_result r = tokens_.verify(token, now);
    EXPECT_FALSE(r.ok()) << token;
    EXPECT_FALSE(r.identity);
    EXPECT_EQ(r.code, code) << "reason: " << r.reason;
    EXPECT_FALSE(r.reason.empty());
    if (!reason.empty()) {
      EXPECT_EQ(r.reason, reason);
    }
  }
};

}  // namespace

TEST(Role, StringsRoundTrip) {
  for (role r : {role::admin, role::user, role::robot}) {
    EXPECT_EQ(role_from_string(to_string(r)), r);
  }
  EXPECT_EQ(to_string(role::robot), "robot");
  EXPECT_FALSE(role_from_string("Admin"));
  EXPECT_FALSE(role_from_string(""));
}

TEST_F(token_service_test, RoundTrip) {
  const issued_token t = tokens_.issue(alice_, kNow);
  EXPECT_EQ(t.expires_in, 3600);
  EXPECT_EQ(t.expires_at, kNow + 3600);
  const verify_result r = tokens_.verify(t.token, kNow + 10);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(*r.identity, alice_);
  EXPECT_EQ(r.expires_at, kNow + 3600);
  EXPECT_EQ(r.code, token_error::none);
  EXPECT_TRUE(r.reason.empty());

  for (role each : {role::user, role::robot}) {
    const identity who{7, "robot-1", each};
    const verify_result v = tokens_.verify(tokens_.issue(who, kNow).token, kNow);
    ASSERT_TRUE(v.ok()) << v.reason;
    EXPECT_EQ(*v.identity, who);
  }
}

TEST_F(token_service_test, CarriesTheAgreedClaims) {
  const auto parts = split(tokens_.issue(alice_, kNow).token);
  ASSERT_EQ(parts.size(), 3u);
  const json header = json::parse(unb64url(parts[0]));
  EXPECT_EQ(header["alg"], "HS256");
  const json claims = json::parse(unb64url(parts[1]));
  EXPECT_EQ(claims["sub"], "42");
  EXPECT_EQ(claims["name"], "alice");
  EXPECT_EQ(claims["role"], "admin");
  EXPECT_EQ(claims["iss"], "camgate");
  EXPECT_EQ(claims["iat"], kNow);
  EXPECT_EQ(claims["nbf"], kNow);
  EXPECT_EQ(claims["exp"], kNow + 3600);
  ASSERT_TRUE(claims["jti"].is_string());
  EXPECT_GE(claims["jti"].get<std::string>().size(), 16u);
  // Our own HMAC agrees with libjwt's, so the forging helper below signs like the service.
  EXPECT_EQ(hs256(kSecret, parts[0] + "." + parts[1]), parts[2]);
}

TEST_F(token_service_test, EveryTokenHasItsOwnId) {
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    const auto parts = split(tokens_.issue(alice_, kNow).token);
    ids.insert(json::parse(unb64url(parts[1]))["jti"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST_F(token_service_test, LifetimeAndIssuerAreConfigurable) {
  token_service custom(kSecret, 60, "robot-hub");
  const issued_token t = custom.issue(alice_, kNow);
  EXPECT_EQ(t.expires_in, 60);
  EXPECT_EQ(t.expires_at, kNow + 60);
  EXPECT_TRUE(custom.verify(t.token, kNow));
  expect_rejected(t.token, token_error::wrong_issuer, "wrong issuer");
}

TEST_F(token_service_test, RejectsBadConfiguration) {
  EXPECT_THROW(token_service("too short"), error);
  EXPECT_THROW(token_service(kSecret, 0), error);
  EXPECT_THROW(token_service(kSecret, 3600, ""), error);
  EXPECT_THROW(token_service(kSecret, 3600, "camgate", -1), error);
}

TEST_F(token_service_test, HandBuiltTokenWithOurSecretVerifies) {
  // Guards the forged cases below: they fail for the reason they test, not by accident.
  const verify_result r = tokens_.verify(forge(kHs256Header, good_claims()), kNow);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.identity->user_id, 42);
}

TEST_F(token_service_test, RejectsAlgNone) {
  const std::string unsigned_token =
      b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(good_claims().dump()) + ".";
  expect_rejected(unsigned_token, token_error::unsupported_algorithm, "unsupported algorithm");
  // Also without the trailing dot, with other spellings, and with a valid HMAC attached.
  expect_rejected(b64url(R"({"alg":"none"})") + "." + b64url(good_claims().dump()),
                  token_error::malformed);
  expect_rejected(b64url(R"({"alg":"None"})") + "." + b64url(good_claims().dump()) + ".",
                  token_error::unsupported_algorithm);
  expect_rejected(forge({{"alg", "none"}}, good_claims()), token_error::unsupported_algorithm);
}

TEST_F(token_service_test, RejectsOtherAlgorithmsEvenWithAValidHs256Signature) {
  for (const char* alg : {"HS512", "HS384", "RS256", "ES256", "hs256", "HS256 ", ""}) {
    SCOPED_TRACE(alg);
    expect_rejected(forge({{"alg", alg}, {"typ", "JWT"}}, good_claims()),
                    token_error::unsupported_algorithm, "unsupported algorithm");
  }
}

TEST_F(token_service_test, RejectsBrokenHeaders) {
  expect_rejected(forge({{"typ", "JWT"}}, good_claims()), token_error::malformed);  // no alg
  expect_rejected(forge({{"alg", 256}}, good_claims()), token_error::malformed);
  expect_rejected(forge(json::array({"HS256"}), good_claims()), token_error::malformed);
  expect_rejected(forge({{"alg", "HS256"}, {"typ", "JWE"}}, good_claims()), token_error::malformed);
  expect_rejected(forge({{"alg", "HS256"}, {"crit", {"exp"}}}, good_claims()),
                  token_error::malformed);
  const std::string not_json = b64url("{alg: HS256") + "." + b64url(good_claims().dump());
  expect_rejected(not_json + "." + hs256(kSecret, not_json), token_error::malformed);
}

TEST_F(token_service_test, RejectsModifiedPayload) {
  token_service tokens(kSecret);
  const auto parts = split(tokens.issue(identity{42, "bob", role::user}, kNow).token);
  json claims = json::parse(unb64url(parts[1]));
  claims["role"] = "admin";
  expect_rejected(parts[0] + "." + b64url(claims.dump()) + "." + parts[2],
                  token_error::bad_signature, "bad signature");
  claims["role"] = "user";
  claims["exp"] = kNow + 10 * 365 * 86400;
  expect_rejected(parts[0] + "." + b64url(claims.dump()) + "." + parts[2],
                  token_error::bad_signature);
}

TEST_F(token_service_test, RejectsModifiedSignature) {
  const std::string token = tokens_.issue(alice_, kNow).token;
  const auto sig_start = token.rfind('.') + 1;
  // Every position, including the last character, whose low bits base64 ignores.
  for (std::size_t i = sig_start; i < token.size(); ++i) {
    std::string forged = token;
    forged[i] = forged[i] == 'A' ? 'B' : 'A';
    expect_rejected(forged, token_error::bad_signature);
  }
  expect_rejected(token.substr(0, token.size() - 1), token_error::bad_signature);
  expect_rejected(token + "A", token_error::bad_signature);
  expect_rejected(token.substr(0, sig_start), token_error::bad_signature);  // empty signature
}

TEST_F(token_service_test, RejectsTokenFromAnotherSecret) {
  token_service other(kOtherSecret);
  expect_rejected(other.issue(alice_, kNow).token, token_error::bad_signature, "bad signature");
  expect_rejected(forge(kHs256Header, good_claims(), kOtherSecret), token_error::bad_signature);
}

TEST_F(token_service_test, ExpiryWithLeeway) {
  const issued_token t = tokens_.issue(alice_, kNow);
  EXPECT_TRUE(tokens_.verify(t.token, t.expires_at - 1));
  EXPECT_TRUE(tokens_.verify(t.token, t.expires_at));  // within the 30 s leeway
  EXPECT_TRUE(tokens_.verify(t.token, t.expires_at + 29));
  expect_rejected(t.token, token_error::expired, "token expired", t.expires_at + 30);
  expect_rejected(t.token, token_error::expired, "token expired", t.expires_at + 86400);
}

TEST_F(token_service_test, ExactlyAtExpIsExpiredWithoutLeeway) {
  token_service strict(kSecret, 3600, "camgate", 0);
  const issued_token t = strict.issue(alice_, kNow);
  EXPECT_TRUE(strict.verify(t.token, t.expires_at - 1));
  const verify_result r = strict.verify(t.token, t.expires_at);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.code, token_error::expired);
  EXPECT_EQ(r.reason, "token expired");
}

TEST_F(token_service_test, NotBeforeInTheFuture) {
  token_service strict(kSecret, 3600, "camgate", 0);
  const issued_token t = strict.issue(alice_, kNow + 600);
  const verify_result early = strict.verify(t.token, kNow);
  EXPECT_FALSE(early);
  EXPECT_EQ(early.code, token_error::not_yet_valid);
  EXPECT_EQ(early.reason, "token not yet valid");
  EXPECT_TRUE(strict.verify(t.token, kNow + 600));
  // The default leeway forgives a clock 30 s behind, not 31.
  const issued_token soon = tokens_.issue(alice_, kNow + 30);
  EXPECT_TRUE(tokens_.verify(soon.token, kNow));
  expect_rejected(tokens_.issue(alice_, kNow + 31).token, token_error::not_yet_valid);
}

TEST_F(token_service_test, RejectsWrongIssuer) {
  json claims = good_claims();
  claims["iss"] = "someone-else";
  expect_rejected(forge(kHs256Header, claims), token_error::wrong_issuer, "wrong issuer");
  claims["iss"] = 5;
  expect_rejected(forge(kHs256Header, claims), token_error::wrong_issuer);
}

TEST_F(token_service_test, RejectsMissingOrMalformedClaims) {
  for (const char* name : {"sub", "name", "role", "iss", "jti", "iat", "nbf", "exp"}) {
    json claims = good_claims();
    claims.erase(name);
    const verify_result r = tokens_.verify(forge(kHs256Header, claims), kNow);
    EXPECT_FALSE(r) << name;
    EXPECT_EQ(r.code, token_error::bad_claims) << name;
    EXPECT_EQ(r.reason, "missing claim '" + std::string(name) + "'");
  }
  const std::vector<std::pair<std::string, json>> bad = {
      {"sub", 42},
      {"sub", "abc"},
      {"sub", "-1"},
      {"sub", "0"},
      {"sub", "42x"},
      {"sub", ""},
      {"sub", "99999999999999999999"},
      {"name", ""},
      {"name", 1},
      {"role", "root"},
      {"role", nullptr},
      {"jti", ""},
      {"exp", "9999999999"},
      {"exp", 1.5e9},
      {"exp", -5},
      {"exp", 18446744073709551615ull},
      {"nbf", true},
      {"iat", json::object()},
  };
  for (const auto& [name, value] : bad) {
    json claims = good_claims();
    claims[name] = value;
    const verify_result r = tokens_.verify(forge(kHs256Header, claims), kNow);
    EXPECT_FALSE(r) << name << "=" << value.dump();
    EXPECT_EQ(r.code, token_error::bad_claims) << name << "=" << value.dump();
    EXPECT_EQ(r.reason, "malformed claim '" + name + "'");
  }
  expect_rejected(forge(kHs256Header, json::array({1, 2})), token_error::malformed);
  expect_rejected(forge(kHs256Header, json::object()), token_error::bad_claims);
  expect_rejected(forge(kHs256Header, "just a string"), token_error::malformed);
}

TEST_F(token_service_test, RejectsGarbage) {
  const std::vector<std::string> inputs = {
      "",
      ".",
      "..",
      "...",
      "a.b",
      "a.b.c",
      "a.b.c.d",
      "Bearer " + tokens_.issue(alice_, kNow).token,
      tokens_.issue(alice_, kNow).token + " ",
      " " + tokens_.issue(alice_, kNow).token,
      "not a token at all",
      "\xff\xfe\xfd.\x80\x81.\x00",
      std::string("eyJhbGciOiJIUzI1NiJ9\0.eyJ9.sig", 30),
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0=.c2ln",  // padding is not base64url
      "e.e.e",
      "====.====.====",
      "eyJhbGciOiJIUzI1NiJ9..",
      ".eyJzdWIiOiIxIn0.",
  };
  for (const auto& input : inputs) {
    SCOPED_TRACE(input);
    verify_result r;
    EXPECT_NO_THROW(r = tokens_.verify(input, kNow));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.code, token_error::none);
    EXPECT_FALSE(r.reason.empty());
  }
  expect_rejected("", token_error::malformed, "malformed token");
  expect_rejected("...", token_error::malformed, "malformed token");
}

TEST_F(token_service_test, RejectsHugeToken) {
  const std::string valid = tokens_.issue(alice_, kNow).token;
  const std::string huge = valid + std::string(1 << 20, 'A');
  expect_rejected(huge, token_error::malformed);
  // A validly signed token above the size limit is refused too: the limit is unconditional.
  json claims = good_claims();
  claims["padding"] = std::string(token_service::max_token_size, 'x');
  expect_rejected(forge(kHs256Header, claims), token_error::malformed);
  // Deeply nested JSON in the header must not blow the stack.
  const std::string deep = std::string(3000, '[') + std::string(3000, ']');
  const std::string input = b64url(deep) + "." + b64url(good_claims().dump());
  expect_rejected(input + "." + hs256(kSecret, input), token_error::malformed);
}

TEST_F(token_service_test, SurvivesExtremeClocks) {
  const std::string token = tokens_.issue(alice_, kNow).token;
  for (std::int64_t now : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1},
                           std::int64_t{0}, std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_FALSE(tokens_.verify(token, now)) << now;
  }
}
