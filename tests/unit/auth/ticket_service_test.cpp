#include "auth/ticket_service.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <nlohmann/json.hpp>

#include "auth/error.hpp"
#include "auth/external_jwt_verifier.hpp"
#include "auth/token_service.hpp"

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

std::string hmac(std::string_view key, std::string_view input) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string ticket_key(std::string_view secret) {
  return hmac(secret, "camgate-ticket");
}

std::string sign(const json& header, const json& payload, std::string_view key) {
  const std::string input = b64url(header.dump()) + "." + b64url(payload.dump());
  return input + "." + b64url(hmac(key, input));
}

const json kTicketHeader = {{"alg", "HS256"}, {"typ", "ticket"}};

json ticket_claims(std::int64_t now = kNow) {
  return {{"uid", 42},  {"name", "alice"}, {"role", "admin"},   {"res", "camera:3"},
          {"iat", now}, {"exp", now + 60}, {"sexp", now + 3600}};
}

class ticket_service_test : public ::testing::Test {
 protected:
  ticket_service tickets_{kSecret};
  const identity alice_{42, "alice", role::admin};
  const std::int64_t token_expiry_ = kNow + 3600;  // of the access token that asks

  std::string issue(std::string_view resource = "camera:3") {
    return tickets_.issue(alice_, resource, token_expiry_, kNow).token;
  }

  void expect_rejected(std::string_view ticket, std::string_view resource, token_error code,
                       std::string_view reason = {}, std::int64_t now = kNow) {
    const verify_result r = tickets_.verify(ticket, resource, now);
    EXPECT_FALSE(r.ok()) << ticket;
    EXPECT_FALSE(r.identity);
    EXPECT_EQ(r.code, code) << "reason: " << r.reason;
    EXPECT_FALSE(r.reason.empty());
    if (!reason.empty()) {
      EXPECT_EQ(r.reason, reason);
    }
  }
};

}  // namespace

TEST_F(ticket_service_test, RoundTrip) {
  const issued_token t = tickets_.issue(alice_, "camera:3", token_expiry_, kNow);
  EXPECT_EQ(t.expires_in, 60);
  EXPECT_EQ(t.expires_at, kNow + 60);
  EXPECT_LT(t.token.size(), 300u);  // fits a URL comfortably
  const verify_result r = tickets_.verify(t.token, "camera:3", kNow + 5);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(*r.identity, alice_);
  EXPECT_EQ(r.expires_at, token_expiry_);  // the session's end, not the ticket's
  EXPECT_EQ(r.code, token_error::none);
  EXPECT_TRUE(r.reason.empty());
}

TEST_F(ticket_service_test, CarriesExternalAndRobotIdentities) {
  for (const identity& who :
       {identity{0, "dr.smith@clinic.example", role::user}, identity{9, "robot-1", role::robot}}) {
    const auto t = tickets_.issue(who, "robot:9", token_expiry_, kNow);
    const verify_result r = tickets_.verify(t.token, "robot:9", kNow);
    ASSERT_TRUE(r.ok()) << r.reason;
    EXPECT_EQ(*r.identity, who);
  }
}

TEST_F(ticket_service_test, ExpiresExactlyAfterItsLifetime) {
  const std::string t = issue();
  EXPECT_TRUE(tickets_.verify(t, "camera:3", kNow));
  EXPECT_TRUE(tickets_.verify(t, "camera:3", kNow + 59));
  expect_rejected(t, "camera:3", token_error::expired, "ticket expired", kNow + 60);
  expect_rejected(t, "camera:3", token_error::expired, "ticket expired", kNow + 86400);
  expect_rejected(t, "camera:3", token_error::not_yet_valid, "ticket not yet valid", kNow - 1);

  ticket_service short_lived(kSecret, 10);
  const auto s = short_lived.issue(alice_, "camera:3", token_expiry_, kNow);
  EXPECT_EQ(s.expires_in, 10);
  EXPECT_TRUE(short_lived.verify(s.token, "camera:3", kNow + 9));
  EXPECT_FALSE(short_lived.verify(s.token, "camera:3", kNow + 10));
}

TEST_F(ticket_service_test, NeverOutlivesTheTokenThatAskedForIt) {
  const auto t = tickets_.issue(alice_, "camera:3", kNow + 20, kNow);
  EXPECT_EQ(t.expires_at, kNow + 20);
  EXPECT_EQ(t.expires_in, 20);
  EXPECT_TRUE(tickets_.verify(t.token, "camera:3", kNow + 19));
  expect_rejected(t.token, "camera:3", token_error::expired, "ticket expired", kNow + 20);

  EXPECT_THROW(tickets_.issue(alice_, "camera:3", kNow, kNow), error);
  EXPECT_THROW(tickets_.issue(alice_, "camera:3", kNow - 1, kNow), error);
}

TEST_F(ticket_service_test, IsBoundToOneResource) {
  const std::string t = issue("camera:3");
  const std::string reason = "ticket is for another resource";
  expect_rejected(t, "camera:4", token_error::bad_claims, reason);
  expect_rejected(t, "camera:30", token_error::bad_claims, reason);
  expect_rejected(t, "camera:", token_error::bad_claims, reason);
  expect_rejected(t, "", token_error::bad_claims, reason);
  expect_rejected(t, "Camera:3", token_error::bad_claims, reason);
  EXPECT_TRUE(tickets_.verify(issue("camera:4"), "camera:4", kNow));
}

TEST_F(ticket_service_test, IsNeverAnAccessTokenAndViceVersa) {
  const token_service access(kSecret);
  const std::string ticket = issue();
  EXPECT_FALSE(access.verify(ticket, kNow));

  const std::string token = access.issue(alice_, kNow).token;
  expect_rejected(token, "camera:3", token_error::unsupported_algorithm, "not a ticket");

  // Same claims and header both ways, keyed with the other service's key: the keys differ.
  expect_rejected(sign(kTicketHeader, ticket_claims(), kSecret), "camera:3",
                  token_error::bad_signature, "bad signature");
  json access_claims = {{"sub", "42"},  {"name", "alice"}, {"role", "admin"}, {"iss", "camgate"},
                        {"jti", "abc"}, {"iat", kNow},     {"nbf", kNow},     {"exp", kNow + 60}};
  EXPECT_FALSE(access.verify(
      sign({{"alg", "HS256"}, {"typ", "JWT"}}, access_claims, ticket_key(kSecret)), kNow));

  // Nor does an external-JWT verifier keyed with the gateway secret take a ticket.
  external_jwt_config config;
  config.algorithm = "HS256";
  config.secret = kSecret;
  config.issuer = "camgate";
  config.audience = "camgate";
  EXPECT_FALSE(external_jwt_verifier(config).verify(ticket, kNow));
}

TEST_F(ticket_service_test, KeyIsDerivedFromTheGatewaySecret) {
  // Guards the forged cases: a hand-built ticket under the derived key is accepted.
  const verify_result r =
      tickets_.verify(sign(kTicketHeader, ticket_claims(), ticket_key(kSecret)), "camera:3", kNow);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(*r.identity, alice_);

  const ticket_service other(kOtherSecret);
  expect_rejected(other.issue(alice_, "camera:3", token_expiry_, kNow).token, "camera:3",
                  token_error::bad_signature, "bad signature");
}

TEST_F(ticket_service_test, RejectsAlteredTickets) {
  const std::string t = issue();
  const auto dot1 = t.find('.');
  const auto dot2 = t.rfind('.');
  json claims = json::parse(unb64url(t.substr(dot1 + 1, dot2 - dot1 - 1)));
  EXPECT_EQ(claims["res"], "camera:3");
  claims["res"] = "camera:4";
  expect_rejected(t.substr(0, dot1 + 1) + b64url(claims.dump()) + t.substr(dot2), "camera:4",
                  token_error::bad_signature, "bad signature");
  for (std::size_t i = dot2 + 1; i < t.size(); ++i) {
    std::string forged = t;
    forged[i] = forged[i] == 'A' ? 'B' : 'A';
    expect_rejected(forged, "camera:3", token_error::bad_signature);
  }
  expect_rejected(t.substr(0, dot2 + 1), "camera:3", token_error::bad_signature);

  // Any other header, even one meaning the same, is not ours.
  for (const json& header :
       {json{{"alg", "none"}, {"typ", "ticket"}}, json{{"alg", "HS256"}, {"typ", "JWT"}},
        json{{"alg", "HS256"}, {"typ", "ticket"}, {"kid", "1"}}}) {
    expect_rejected(sign(header, ticket_claims(), ticket_key(kSecret)), "camera:3",
                    token_error::unsupported_algorithm, "not a ticket");
  }
}

TEST_F(ticket_service_test, RejectsMalformedTickets) {
  for (const std::string& bad :
       {std::string(), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
        issue() + ".", std::string(ticket_service::max_ticket_size + 1, 'a')}) {
    expect_rejected(bad, "camera:3", token_error::malformed, "malformed ticket");
  }
  // Correctly signed, wrong shapes inside.
  const std::string key = ticket_key(kSecret);
  for (const char* field : {"uid", "name", "role", "res", "iat", "exp", "sexp"}) {
    SCOPED_TRACE(field);
    json c = ticket_claims();
    c.erase(field);
    expect_rejected(sign(kTicketHeader, c, key), "camera:3", token_error::malformed);
    c[field] = json::array();
    expect_rejected(sign(kTicketHeader, c, key), "camera:3", token_error::malformed);
  }
  json c = ticket_claims();
  c["role"] = "root";
  expect_rejected(sign(kTicketHeader, c, key), "camera:3", token_error::malformed);
  c = ticket_claims();
  c["uid"] = -1;
  expect_rejected(sign(kTicketHeader, c, key), "camera:3", token_error::malformed);
  expect_rejected(sign(kTicketHeader, json::array(), key), "camera:3", token_error::malformed);
}

TEST_F(ticket_service_test, RejectsBadArguments) {
  EXPECT_THROW(ticket_service("short"), error);
  EXPECT_THROW(ticket_service(kSecret, 0), error);
  EXPECT_THROW(ticket_service(kSecret, 3601), error);
  EXPECT_THROW(issue(""), error);
  EXPECT_THROW(issue("camera 3"), error);
  EXPECT_THROW(issue(std::string("camera:\0", 8)), error);
  EXPECT_THROW(issue(std::string(ticket_service::max_resource_size + 1, 'x')), error);
  EXPECT_NO_THROW(issue(std::string(ticket_service::max_resource_size, 'x')));
  EXPECT_THROW(tickets_.issue(identity{1, "\xff", role::user}, "camera:3", token_expiry_, kNow),
               error);
}
