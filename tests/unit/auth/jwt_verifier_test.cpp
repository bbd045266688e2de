#include "auth/jwt_verifier.hpp"

#include <gtest/gtest.h>

#include "auth/error.hpp"

using namespace camgate::auth;
using json = nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

jwt_verifier verifier(jwt_rules rules) {
  return jwt_verifier(jwt_key::hs256(kSecret, "the test secret"), std::move(rules));
}

std::string sign(const json& header, const json& claims) {
  return jwt_key::hs256(kSecret, "the test secret").sign(header.dump(), claims.dump());
}

const json kHeader = {{"alg", "HS256"}, {"typ", "JWT"}};

}  // namespace

TEST(JwtVerifier, ReturnsTheClaimsAndExpiry) {
  const auto v = verifier({}).verify(sign(kHeader, {{"exp", kNow + 5}, {"x", 1}}), kNow);
  ASSERT_TRUE(v.ok()) << v.reason;
  EXPECT_EQ(v.expires_at, kNow + 5);
  EXPECT_EQ(v.claims.at("x"), 1);
}

TEST(JwtVerifier, IatInTheFutureIsNotYetValid) {
  jwt_rules rules;
  rules.leeway_s = 30;
  const auto v = verifier(rules);
  EXPECT_TRUE(v.verify(sign(kHeader, {{"iat", kNow + 30}, {"exp", kNow + 90}}), kNow).ok());
  const auto early = v.verify(sign(kHeader, {{"iat", kNow + 31}, {"exp", kNow + 90}}), kNow);
  EXPECT_EQ(early.code, token_error::not_yet_valid);
  EXPECT_EQ(early.reason, "token not yet valid");
  EXPECT_EQ(v.verify(sign(kHeader, {{"iat", "now"}, {"exp", kNow + 90}}), kNow).reason,
            "malformed claim 'iat'");
  rules.require_iat = true;
  EXPECT_EQ(verifier(rules).verify(sign(kHeader, {{"exp", kNow + 90}}), kNow).reason,
            "missing claim 'iat'");
}

TEST(JwtVerifier, TypIsComparedAsAMediaType) {
  jwt_rules rules;
  rules.types = {"JWT"};
  const auto v = verifier(rules);
  for (const char* typ : {"JWT", "jwt", "application/jwt", "Application/JWT"}) {
    EXPECT_TRUE(v.verify(sign({{"alg", "HS256"}, {"typ", typ}}, {{"exp", kNow + 9}}), kNow).ok())
        << typ;
  }
  for (const json& typ : {json("at+jwt"), json("application/"), json(""), json(1)}) {
    const auto r = v.verify(sign({{"alg", "HS256"}, {"typ", typ}}, {{"exp", kNow + 9}}), kNow);
    EXPECT_EQ(r.code, token_error::malformed) << typ.dump();
    EXPECT_EQ(r.reason, "unsupported token type");
  }
}

TEST(JwtVerifier, ExactHeaderAcceptsOnlyThoseBytes) {
  jwt_rules rules;
  rules.noun = "ticket";
  rules.exact_header = R"({"alg":"HS256","typ":"ticket"})";
  const auto v = verifier(rules);
  const json claims = {{"exp", kNow + 9}};
  EXPECT_TRUE(v.verify(sign({{"alg", "HS256"}, {"typ", "ticket"}}, claims), kNow).ok());
  const auto r = v.verify(
      jwt_key::hs256(kSecret, "k").sign(R"({"typ":"ticket","alg":"HS256"})", claims.dump()), kNow);
  EXPECT_EQ(r.code, token_error::unsupported_algorithm);
  EXPECT_EQ(r.reason, "not a ticket");
}

TEST(JwtVerifier, ReasonsUseTheNoun) {
  jwt_rules rules;
  rules.noun = "ticket";
  const auto v = verifier(rules);
  EXPECT_EQ(v.verify("x", kNow).reason, "malformed ticket");
  EXPECT_EQ(v.verify(sign(kHeader, {{"exp", kNow}}), kNow).reason, "ticket expired");
}

TEST(JwtVerifier, RejectsBadRulesAndKeys) {
  jwt_rules rules;
  rules.leeway_s = -1;
  EXPECT_THROW(verifier(rules), error);
  rules.leeway_s = 3601;
  EXPECT_THROW(verifier(rules), error);
  EXPECT_THROW(jwt_key::hs256(std::string(31, 'k'), "the test secret"), error);
  EXPECT_THROW(jwt_key::public_key(jws_algorithm::hs256, "x"), error);
}

TEST(JwsAlgorithm, NamesAreExact) {
  for (auto a : {jws_algorithm::hs256, jws_algorithm::rs256, jws_algorithm::es256}) {
    EXPECT_EQ(jws_algorithm_from_string(to_string(a)), a);
  }
  EXPECT_FALSE(jws_algorithm_from_string("hs256"));
  EXPECT_FALSE(jws_algorithm_from_string("none"));
  EXPECT_FALSE(jws_algorithm_from_string("HS384"));
}
