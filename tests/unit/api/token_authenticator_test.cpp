#include "api/token_authenticator.hpp"

#include <gtest/gtest.h>

#include "access/access_index.hpp"
#include "api/verified_tokens.hpp"
#include "auth/hmac_sha256.hpp"
#include "core/clock.hpp"

using namespace camgate;
using namespace camgate::api;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";
const std::string kExternalSecret = "dental-ai-backend-shared-secret-0123456789";

std::int64_t now() {
  return core::unix_micros() / 1000000;
}

auth::external_jwt_config external_config() {
  auth::external_jwt_config c;
  c.algorithm = "HS256";
  c.secret = kExternalSecret;
  c.issuer = "dental-ai";
  c.audience = "camgate";
  return c;
}

// An external token for `sub`, signed with the external issuer's key.
std::string external_token(const std::string& sub, std::int64_t exp) {
  const nlohmann::json claims = {{"sub", sub},   {"iss", "dental-ai"}, {"aud", "camgate"},
                                 {"iat", now()}, {"exp", exp},         {"role", "admin"}};
  return auth::jwt_key::hs256(kExternalSecret, "k")
      .sign(R"({"alg":"HS256","typ":"JWT"})", claims.dump());
}

class token_authenticator_test : public ::testing::Test {
 protected:
  auth::token_service tokens_{kSecret};
  auth::ticket_service tickets_{kSecret};
  auth::external_jwt_verifier external_{external_config()};
  const auth::identity alice_{42, "alice", auth::role::user};

  httpd::authenticator make(bool tickets = true, bool external = true) {
    return token_authenticator({&tokens_, tickets ? &tickets_ : nullptr,
                                external ? &external_ : nullptr,
                                [](const auth::identity& ext) -> std::optional<auth::identity> {
                                  if (ext.name != "dr.smith") return std::nullopt;
                                  return auth::identity{9, ext.name, ext.role};
                                }});
  }

  httpd::auth_outcome run(const httpd::authenticator& a, std::string path,
                          std::map<std::string, std::string, std::less<>> query,
                          std::string bearer = "") {
    httpd::request req;
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    httpd::request_context ctx{req, std::move(path), std::move(query),
                               {},  "127.0.0.1",     std::nullopt};
    return a(ctx);
  }

  static std::string error_of(const httpd::auth_outcome& o) {
    const auto* s = std::get_if<std::string>(&o);
    return s ? *s : "<authenticated>";
  }
  static auth::identity who(const httpd::auth_outcome& o) {
    const auto* a = std::get_if<httpd::authenticated>(&o);
    return a ? a->identity : auth::identity{-1, "<refused: " + error_of(o) + ">"};
  }
};

}  // namespace

TEST_F(token_authenticator_test, AcceptsOurTokens) {
  const auto t = tokens_.issue(alice_, now());
  const auto o = run(make(), "/auth/me", {}, t.token);
  EXPECT_EQ(who(o), alice_);
  EXPECT_EQ(std::get<httpd::authenticated>(o).expires_at, t.expires_at);
}

TEST_F(token_authenticator_test, ExternalTokensMapToLocalUsers) {
  const auto o = run(make(), "/auth/me", {}, external_token("dr.smith", now() + 600));
  EXPECT_EQ(who(o), (auth::identity{9, "dr.smith", auth::role::admin}));
  EXPECT_EQ(error_of(run(make(), "/auth/me", {}, external_token("mallory", now() + 600))),
            "invalid token: unknown user 'mallory'");
  EXPECT_EQ(error_of(run(make(), "/auth/me", {}, external_token("dr.smith", now() - 600))),
            "invalid token: token expired");
  // Without an external issuer the reason is our own verifier's.
  EXPECT_EQ(
      error_of(run(make(true, false), "/auth/me", {}, external_token("dr.smith", now() + 600))),
      "invalid token: bad signature");
}

TEST_F(token_authenticator_test, OurExpiredTokenIsNotTriedAsAnExternalOne) {
  auth::token_service old(kSecret, 60);
  const auto t = old.issue(alice_, now() - 3600);
  EXPECT_EQ(error_of(run(make(), "/auth/me", {}, t.token)), "invalid token: token expired");
}

TEST_F(token_authenticator_test, TicketsOpenOnlyTheirCamerasStreams) {
  const auto token = tokens_.issue(alice_, now());
  const auto ticket = tickets_.issue(alice_, "camera:3", token.expires_at, now()).token;
  for (const char* path :
       {"/api/cameras/3/stream", "/api/cameras/3/ws", "/api/cameras/3/snapshot"}) {
    const auto o = run(make(), path, {{"ticket", ticket}});
    EXPECT_EQ(who(o), alice_) << path;
    EXPECT_EQ(std::get<httpd::authenticated>(o).expires_at, token.expires_at);
  }
  EXPECT_EQ(error_of(run(make(), "/api/cameras/4/stream", {{"ticket", ticket}})),
            "invalid ticket: ticket is for another resource");
  EXPECT_EQ(error_of(run(make(), "/api/cameras", {{"ticket", ticket}})),
            "a stream ticket is not accepted here");
  EXPECT_EQ(error_of(run(make(false), "/api/cameras/3/stream", {{"ticket", ticket}})),
            "authentication required: send Authorization: Bearer <token>");
  // A ticket is not a bearer token.
  EXPECT_EQ(error_of(run(make(), "/api/cameras/3/stream", {}, ticket)).rfind("invalid token: ", 0),
            0u);
}

TEST_F(token_authenticator_test, TicketResourceOfAPath) {
  EXPECT_EQ(ticket_resource("/api/cameras/3/stream"), "camera:3");
  EXPECT_EQ(ticket_resource("/api/cameras/12/ws"), "camera:12");
  EXPECT_EQ(ticket_resource("/api/cameras/7/snapshot"), "camera:7");
  EXPECT_EQ(ticket_resource("/api/cameras/5/events"), "camera:5");  // EventSource sends no headers
  EXPECT_EQ(ticket_resource("/api/robots/3/stream"), "robot:3");
  EXPECT_EQ(ticket_resource("/api/robots/4/whep/abc"), "robot:4");
  for (const char* path :
       {"/api/cameras", "/api/cameras/3", "/api/cameras/3/", "/api/cameras/3/settings",
        "/api/cameras/0/stream", "/api/cameras/-1/stream", "/api/cameras/03x/stream",
        "/api/cameras//stream", "/api/robots/3/credential", "/api/robots/3", "/api/users/3/stream",
        "/api/robotss/3/stream", "/api/cameras/3/stream/x", "/api/cameras/3/analysis",
        "/api/cameras/99999999999999999999/stream"}) {
    EXPECT_FALSE(ticket_resource(path)) << path;
  }
}

// Forged or stale credentials the signature cannot catch (issue 12, finding 3): validly
// signed, but for a user the index no longer holds or at an older generation.
class token_authenticator_index_test : public token_authenticator_test {
 protected:
  void publish(std::int64_t alice_gen, bool with_alice = true) {
    store::access_rows rows;
    if (with_alice) rows.users.push_back({42, "alice", "user", alice_gen});
    rows.users.push_back({9, "dr.smith", "admin", 5});
    index_.publish(rows);
  }
  httpd::authenticator make_indexed() {
    return token_authenticator({&tokens_, &tickets_, &external_,
                                [](const auth::identity& ext) -> std::optional<auth::identity> {
                                  if (ext.name != "dr.smith") return std::nullopt;
                                  return auth::identity{9, ext.name, ext.role};
                                },
                                &index_});
  }
  access::access_index index_;
};

TEST_F(token_authenticator_index_test, TokenOfADeletedUserIsRefused) {
  publish(1, false);
  const auto t = tokens_.issue(alice_, now());
  EXPECT_EQ(error_of(run(make_indexed(), "/auth/me", {}, t.token)), "invalid token: user removed");
  const auto ticket = tickets_.issue(alice_, "camera:3", t.expires_at, now()).token;
  EXPECT_EQ(error_of(run(make_indexed(), "/api/cameras/3/stream", {{"ticket", ticket}})),
            "invalid ticket: user removed");
}

TEST_F(token_authenticator_index_test, TokenWithAStaleGenerationIsRefused) {
  publish(2);                                       // logged out once since
  const auto stale = tokens_.issue(alice_, now());  // generation 1
  EXPECT_EQ(error_of(run(make_indexed(), "/auth/me", {}, stale.token)),
            "invalid token: token revoked");
  const auto ticket = tickets_.issue(alice_, "camera:3", stale.expires_at, now()).token;
  EXPECT_EQ(error_of(run(make_indexed(), "/api/cameras/3/ws", {{"ticket", ticket}})),
            "invalid ticket: token revoked");
  // A generation from the future (forged, or a snapshot behind) is no better.
  const auto ahead = tokens_.issue({42, "alice", auth::role::user, 3}, now());
  EXPECT_EQ(error_of(run(make_indexed(), "/auth/me", {}, ahead.token)),
            "invalid token: token revoked");
  // The current generation passes, and its tickets inherit it.
  const auth::identity current{42, "alice", auth::role::user, 2};
  const auto ok = tokens_.issue(current, now());
  EXPECT_EQ(who(run(make_indexed(), "/auth/me", {}, ok.token)), current);
  const auto ok_ticket = tickets_.issue(current, "camera:3", ok.expires_at, now()).token;
  EXPECT_EQ(who(run(make_indexed(), "/api/cameras/3/ws", {{"ticket", ok_ticket}})), current);
}

TEST_F(token_authenticator_index_test, ExternalTokensTakeTheLocalUsersGeneration) {
  publish(1);
  const auto o = run(make_indexed(), "/auth/me", {}, external_token("dr.smith", now() + 600));
  EXPECT_EQ(who(o), (auth::identity{9, "dr.smith", auth::role::admin, 5}));
}

TEST_F(token_authenticator_index_test, ACachedTokenIsStillCheckedAgainstTheIndex) {
  publish(1);
  const auto a = make_indexed();
  const auto t = tokens_.issue(alice_, now());
  EXPECT_EQ(who(run(a, "/auth/me", {}, t.token)), alice_);
  EXPECT_EQ(who(run(a, "/auth/me", {}, t.token)), alice_);  // from the cache
  publish(2);                                               // logout
  EXPECT_EQ(error_of(run(a, "/auth/me", {}, t.token)), "invalid token: token revoked");
  publish(1, false);  // deleted
  EXPECT_EQ(error_of(run(a, "/auth/me", {}, t.token)), "invalid token: user removed");
}

TEST(verified_tokens, MatchesWholeTokensBeforeTheirExpiryOnly) {
  api::verified_tokens cache;
  const auth::identity who{7, "ann", auth::role::user, 2};
  cache.remember("aaa.bbb.ccc", who, 1000, 500);
  ASSERT_TRUE(cache.find("aaa.bbb.ccc", 999));
  EXPECT_EQ(cache.find("aaa.bbb.ccc", 999)->who, who);
  EXPECT_EQ(cache.find("aaa.bbb.ccc", 999)->expires_at, 1000);
  EXPECT_FALSE(cache.find("aaa.bbb.ccc", 1000));  // expired: the verifier decides
  EXPECT_FALSE(cache.find("aaa.bbb.ccd", 999));
  EXPECT_FALSE(cache.find("aaa.bbb.cc", 999));
  EXPECT_FALSE(cache.find("", 999));
  // Many more tokens than one group holds: the latest ones are all found.
  for (int i = 0; i < 64; ++i) cache.remember("t" + std::to_string(i), who, 1000, 500);
  EXPECT_TRUE(cache.find("t63", 999));
}
