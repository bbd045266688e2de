#include "http/credential_authenticator.hpp"

#include <gtest/gtest.h>

using namespace camgate;
using namespace camgate::httpd;

namespace {

// Records which check saw which credential; answers with a name saying so.
struct recorder {
  std::string seen;

  credential_checks checks(bool tickets = true) {
    credential_checks c;
    c.bearer = [this](std::string_view token) -> auth_outcome {
      seen = "bearer:" + std::string(token);
      return authenticated{auth::identity{1, "bearer", auth::role::user}, 0};
    };
    if (tickets) {
      c.ticket = [this](std::string_view ticket, std::string_view path) -> auth_outcome {
        seen = "ticket:" + std::string(ticket) + "@" + std::string(path);
        return authenticated{auth::identity{2, "ticket", auth::role::user}, 0};
      };
    }
    return c;
  }
};

auth_outcome run(const authenticator& a, request& req, std::string path,
                 std::map<std::string, std::string, std::less<>> query = {}) {
  request_context ctx{req, std::move(path), std::move(query), {}, "127.0.0.1", std::nullopt};
  return a(ctx);
}

}  // namespace

TEST(credential_authenticator_test, FindsTheBearerTokenInHeaderQueryOrCookie) {
  recorder r;
  const auto a = credential_authenticator(r.checks());
  request req;
  req.set(http::field::authorization, "bearer from-header");
  req.set(http::field::cookie, "camgate_session=from-cookie");
  run(a, req, "/x", {{"access_token", "from-query"}, {"ticket", "t"}});
  EXPECT_EQ(r.seen, "bearer:from-header");  // the header first, case-insensitive scheme

  req.erase(http::field::authorization);
  run(a, req, "/x", {{"access_token", "from-query"}});
  EXPECT_EQ(r.seen, "bearer:from-query");

  run(a, req, "/x");
  EXPECT_EQ(r.seen, "bearer:from-cookie");

  req.set(http::field::authorization, "Basic dXNlcjpwYXNz");  // not a bearer token
  run(a, req, "/x");
  EXPECT_EQ(r.seen, "bearer:from-cookie");
}

TEST(credential_authenticator_test, TicketsGoWithTheirPathWhenNoTokenIsSent) {
  recorder r;
  request req;
  const auto outcome =
      run(credential_authenticator(r.checks()), req, "/api/cameras/3/stream", {{"ticket", "abc"}});
  EXPECT_EQ(r.seen, "ticket:abc@/api/cameras/3/stream");
  ASSERT_TRUE(std::holds_alternative<authenticated>(outcome));
  EXPECT_EQ(std::get<authenticated>(outcome).identity.name, "ticket");
}

TEST(credential_authenticator_test, WithoutACredentialOrWithTicketsOffItAsksForAToken) {
  recorder r;
  request req;
  for (const auto& a :
       {credential_authenticator(r.checks()), credential_authenticator(r.checks(false))}) {
    const auto none = run(a, req, "/x");
    ASSERT_TRUE(std::holds_alternative<std::string>(none));
    EXPECT_EQ(std::get<std::string>(none),
              "authentication required: send Authorization: Bearer <token>");
  }
  const auto off = run(credential_authenticator(r.checks(false)), req, "/x", {{"ticket", "abc"}});
  EXPECT_TRUE(std::holds_alternative<std::string>(off));
  EXPECT_EQ(r.seen, "");
}

TEST(credential_authenticator_test, CookieValueParsesACookieHeader) {
  EXPECT_EQ(cookie_value("a=1; camgate_session=tok; b=2", "camgate_session"), "tok");
  EXPECT_EQ(cookie_value("  camgate_session = tok ;", "camgate_session"), "tok");
  EXPECT_EQ(cookie_value("xcamgate_session=tok", "camgate_session"), "");
  EXPECT_EQ(cookie_value("a=1;b", "b"), "");
  EXPECT_EQ(cookie_value("", "a"), "");
  EXPECT_EQ(cookie_value("a=1; a=2", "a"), "1");
}
