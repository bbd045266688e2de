#include "http/cors_policy.hpp"

#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace camgate;
using namespace camgate::httpd;

namespace {

const std::string kApp = "https://clinic.example.com";

cors_options clinic_options() {
  cors_options o;
  o.allowed_origins = {kApp, "http://localhost:5173"};
  o.allowed_methods = {"GET", "POST", "DELETE"};
  o.allowed_headers = {"Authorization", "Content-Type"};
  o.max_age_s = 600;
  return o;
}

request preflight_request(std::string_view origin, std::string_view method,
                          std::string_view headers = {}) {
  request req{http::verb::options, "/api/cameras/3", 11};
  if (!origin.empty()) req.set(http::field::origin, origin);
  if (!method.empty()) req.set(http::field::access_control_request_method, method);
  if (!headers.empty()) req.set(http::field::access_control_request_headers, headers);
  return req;
}

request get_request(std::string_view origin) {
  request req{http::verb::get, "/api/cameras", 11};
  if (!origin.empty()) req.set(http::field::origin, origin);
  return req;
}

std::string header(const response_message& res, http::field f) {
  return std::string(res[f]);
}

void expect_forbidden(const std::optional<response>& r, std::string_view error) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.result(), http::status::forbidden);
  const auto body = nlohmann::json::parse(r->message.body());
  EXPECT_EQ(body["success"], false);
  EXPECT_EQ(body["error"], error);
  EXPECT_TRUE(r->message[http::field::access_control_allow_origin].empty());
  EXPECT_TRUE(r->message[http::field::access_control_allow_credentials].empty());
}

}  // namespace

TEST(CorsPolicy, AnswersAnAllowedPreflight) {
  const cors_policy cors(clinic_options());
  const auto r = cors.preflight(preflight_request(kApp, "DELETE", "authorization,content-type"));
  ASSERT_TRUE(r);
  const auto& m = r->message;
  EXPECT_EQ(m.result(), http::status::no_content);
  EXPECT_TRUE(m.body().empty());
  EXPECT_EQ(header(m, http::field::access_control_allow_origin), kApp);
  EXPECT_EQ(header(m, http::field::access_control_allow_methods), "GET, POST, DELETE");
  EXPECT_EQ(header(m, http::field::access_control_allow_headers), "authorization, content-type");
  EXPECT_EQ(header(m, http::field::access_control_max_age), "600");
  EXPECT_EQ(header(m, http::field::access_control_allow_credentials), "true");
  EXPECT_EQ(header(m, http::field::vary), "Origin");
}

TEST(CorsPolicy, AllowHeadersListsOnlyRequestedAndAllowed) {
  const cors_policy cors(clinic_options());
  auto r =
      cors.preflight(preflight_request(kApp, "POST", " Content-Type ,X-Debug,, x-forwarded-for"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.result(), http::status::no_content);
  EXPECT_EQ(header(r->message, http::field::access_control_allow_headers), "Content-Type");

  // Nothing requested, or nothing allowed of it: no Allow-Headers (the browser then
  // refuses the request itself).
  r = cors.preflight(preflight_request(kApp, "GET"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.count(http::field::access_control_allow_headers), 0u);
  r = cors.preflight(preflight_request(kApp, "GET", "x-debug"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.result(), http::status::no_content);
  EXPECT_EQ(r->message.count(http::field::access_control_allow_headers), 0u);
}

TEST(CorsPolicy, RefusesDisallowedOriginsAndMethods) {
  const cors_policy cors(clinic_options());
  for (const char* origin :
       {"https://evil.example", "http://clinic.example.com", "https://clinic.example.com:8443",
        "https://clinic.example.com.evil.example", "https://sub.clinic.example.com", "null",
        "https://clinic.example.com/", "*"}) {
    SCOPED_TRACE(origin);
    const auto r = cors.preflight(preflight_request(origin, "GET"));
    expect_forbidden(r, "CORS: origin not allowed");
    EXPECT_EQ(header(r->message, http::field::vary), "Origin");
  }
  expect_forbidden(cors.preflight(preflight_request(kApp, "PUT")), "CORS: method not allowed");
  // Methods are case-sensitive.
  expect_forbidden(cors.preflight(preflight_request(kApp, "delete")), "CORS: method not allowed");
}

TEST(CorsPolicy, OriginsCompareAsBrowsersSendThem) {
  cors_options o = clinic_options();
  o.allowed_origins = {"HTTPS://Clinic.Example.com:443", "http://[::1]:8080", "http://10.0.0.5"};
  const cors_policy cors(o);
  EXPECT_TRUE(cors.origin_allowed("https://clinic.example.com"));
  EXPECT_TRUE(cors.origin_allowed("http://[::1]:8080"));
  EXPECT_TRUE(cors.origin_allowed("http://10.0.0.5"));
  EXPECT_TRUE(cors.origin_allowed("http://10.0.0.5:80"));
  EXPECT_FALSE(cors.origin_allowed("http://10.0.0.5:8080"));
  EXPECT_FALSE(cors.origin_allowed("https://10.0.0.5"));
  EXPECT_FALSE(cors.origin_allowed(""));
  EXPECT_FALSE(cors.origin_allowed("http://user@10.0.0.5"));

  // Allow-Origin echoes the origin exactly as the browser sent it.
  const auto r = cors.preflight(preflight_request("http://[::1]:8080", "GET"));
  ASSERT_TRUE(r);
  EXPECT_EQ(header(r->message, http::field::access_control_allow_origin), "http://[::1]:8080");
}

TEST(CorsPolicy, OtherRequestsAreNotPreflights) {
  const cors_policy cors(clinic_options());
  EXPECT_FALSE(cors.preflight(get_request(kApp)));
  EXPECT_FALSE(cors.preflight(preflight_request("", "GET")));  // no Origin
  EXPECT_FALSE(cors.preflight(preflight_request(kApp, "")));   // plain OPTIONS
  request post{http::verb::post, "/api/cameras", 11};
  post.set(http::field::origin, kApp);
  post.set(http::field::access_control_request_method, "POST");
  EXPECT_FALSE(cors.preflight(post));
}

TEST(CorsPolicy, DecoratesAnswersToAllowedOrigins) {
  cors_options o = clinic_options();
  o.exposed_headers = {"Retry-After"};
  const cors_policy cors(o);

  response_message res{http::status::ok, 11};
  cors.decorate(get_request(kApp), res);
  EXPECT_EQ(header(res, http::field::access_control_allow_origin), kApp);
  EXPECT_EQ(header(res, http::field::access_control_allow_credentials), "true");
  EXPECT_EQ(header(res, http::field::access_control_expose_headers), "Retry-After");
  EXPECT_EQ(header(res, http::field::vary), "Origin");

  // A disallowed origin gets no CORS headers, but the answer still varies by Origin, as
  // does one to a request without Origin (same-origin page, curl).
  for (const char* origin : {"https://evil.example", ""}) {
    response_message other{http::status::ok, 11};
    cors.decorate(get_request(origin), other);
    EXPECT_EQ(other.count(http::field::access_control_allow_origin), 0u);
    EXPECT_EQ(other.count(http::field::access_control_allow_credentials), 0u);
    EXPECT_EQ(other.count(http::field::access_control_expose_headers), 0u);
    EXPECT_EQ(header(other, http::field::vary), "Origin");
  }
}

TEST(CorsPolicy, VaryIsExtendedNotReplaced) {
  const cors_policy cors(clinic_options());
  response_message res{http::status::ok, 11};
  res.set(http::field::vary, "Accept-Encoding");
  cors.decorate(get_request(kApp), res);
  EXPECT_EQ(header(res, http::field::vary), "Accept-Encoding, Origin");
  cors.decorate(get_request(kApp), res);  // twice: still once
  EXPECT_EQ(header(res, http::field::vary), "Accept-Encoding, Origin");
  res.set(http::field::vary, "accept, origin");
  cors.decorate(get_request(kApp), res);
  EXPECT_EQ(header(res, http::field::vary), "accept, origin");
}

TEST(CorsPolicy, WildcardOnlyWithoutCredentials) {
  cors_options o = clinic_options();
  o.allowed_origins = {"*"};
  try {
    cors_policy{o};
    ADD_FAILURE() << "wildcard with credentials was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("credentials"), std::string::npos) << e.what();
  }

  o.allow_credentials = false;
  const cors_policy cors(o);
  EXPECT_TRUE(cors.origin_allowed("https://anyone.example"));
  const auto r = cors.preflight(preflight_request("https://anyone.example", "GET"));
  ASSERT_TRUE(r);
  EXPECT_EQ(header(r->message, http::field::access_control_allow_origin), "*");
  EXPECT_EQ(r->message.count(http::field::access_control_allow_credentials), 0u);

  response_message res{http::status::ok, 11};
  cors.decorate(get_request("https://anyone.example"), res);
  EXPECT_EQ(header(res, http::field::access_control_allow_origin), "*");
  EXPECT_EQ(res.count(http::field::access_control_allow_credentials), 0u);
  EXPECT_EQ(res.count(http::field::vary), 0u);  // every origin gets the same answer
}

TEST(CorsPolicy, ListedOriginsWithoutCredentials) {
  cors_options o = clinic_options();
  o.allow_credentials = false;
  const cors_policy cors(o);
  response_message res{http::status::ok, 11};
  cors.decorate(get_request(kApp), res);
  EXPECT_EQ(header(res, http::field::access_control_allow_origin), kApp);
  EXPECT_EQ(res.count(http::field::access_control_allow_credentials), 0u);
}

TEST(CorsPolicy, RejectsBadConfiguration) {
  const auto build = [](auto change) {
    cors_options o = clinic_options();
    change(o);
    return cors_policy(o);
  };
  for (const char* origin :
       {"clinic.example.com", "https://clinic.example.com/", "https://clinic.example.com/app",
        "https://", "https://a:0", "https://a:65536", "https://a:x", "https://user@a", "null",
        "NULL", "https://a b", "://a", "1http://a", ""}) {
    SCOPED_TRACE(origin);
    EXPECT_THROW(build([&](cors_options& o) { o.allowed_origins = {origin}; }),
                 std::invalid_argument);
  }
  EXPECT_THROW(build([](cors_options& o) { o.allowed_methods = {"GET POST"}; }),
               std::invalid_argument);
  EXPECT_THROW(build([](cors_options& o) { o.allowed_headers = {"X-A,X-B"}; }),
               std::invalid_argument);
  EXPECT_THROW(build([](cors_options& o) { o.exposed_headers = {""}; }), std::invalid_argument);
  EXPECT_THROW(build([](cors_options& o) { o.max_age_s = -1; }), std::invalid_argument);
  EXPECT_NO_THROW(build([](cors_options& o) { o.allowed_origins = {}; }));
  // Lowercase methods in the configuration mean the standard ones.
  const cors_policy lower = build([](cors_options& o) { o.allowed_methods = {"get", "post"}; });
  const auto r = lower.preflight(preflight_request(kApp, "POST"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.result(), http::status::no_content);
}
