#include "http/router.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace camgate;
using namespace camgate::httpd;

namespace {
// Runs one dispatch to completion and returns the response.
response run(const router& r, http::verb method, std::string path, std::string token = "") {
  asio::io_context ioc;
  request req{method, path, 11};
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  request_context ctx{req, path, {}, {}, "127.0.0.1", std::nullopt};
  response out;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out = co_await r.dispatch(ctx); }, asio::detached);
  ioc.run();
  return out;
}

handler echo_params() {
  return [](request_context& ctx) -> asio::awaitable<response> {
    nlohmann::json j;
    for (auto& [k, v] : ctx.params) j[k] = v;
    if (ctx.identity) j["who"] = ctx.identity->name;
    co_return json_response(http::status::ok, j);
  };
}

router make_router() {
  router r;
  r.set_authenticator([](const request_context& ctx) -> auth_outcome {
    if (ctx.req[http::field::authorization] == "Bearer good")
      return authenticated{auth::identity{7, "alice", auth::role::user}, 0};
    return std::string("invalid token: bad signature");
  });
  r.add(http::verb::get, "/health", echo_params(), access::open);
  r.add(http::verb::get, "/api/cameras/{id}/snapshot", echo_params());
  r.add(http::verb::delete_, "/api/cameras/{id}", echo_params());
  return r;
}
}  // namespace

TEST(Router, OpenRouteNeedsNoToken) {
  auto r = make_router();
  EXPECT_EQ(run(r, http::verb::get, "/health").message.result(), http::status::ok);
}

TEST(Router, EveryOtherRouteNeedsAValidToken) {
  auto r = make_router();
  auto denied = run(r, http::verb::get, "/api/cameras/3/snapshot");
  EXPECT_EQ(denied.message.result(), http::status::unauthorized);
  EXPECT_EQ(denied.message[http::field::www_authenticate], "Bearer");
  auto body = nlohmann::json::parse(denied.message.body());
  EXPECT_EQ(body["success"], false);
  EXPECT_EQ(body["error"], "invalid token: bad signature");

  auto ok = run(r, http::verb::get, "/api/cameras/3/snapshot", "good");
  ASSERT_EQ(ok.message.result(), http::status::ok);
  auto j = nlohmann::json::parse(ok.message.body());
  EXPECT_EQ(j["id"], "3");
  EXPECT_EQ(j["who"], "alice");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405) {
  auto r = make_router();
  EXPECT_EQ(run(r, http::verb::get, "/api/cameras/3/nothing", "good").message.result(),
            http::status::not_found);
  EXPECT_EQ(run(r, http::verb::post, "/api/cameras/3/snapshot", "good").message.result(),
            http::status::method_not_allowed);
  EXPECT_EQ(run(r, http::verb::get, "/api/cameras/3", "good").message.result(),
            http::status::method_not_allowed);
}

TEST(Router, HeadIsAnsweredByGet) {
  auto r = make_router();
  EXPECT_EQ(run(r, http::verb::head, "/health").message.result(), http::status::ok);
}

TEST(Router, SlashesAreNormalised) {
  auto r = make_router();
  EXPECT_EQ(run(r, http::verb::get, "//api/cameras/9/snapshot/", "good").message.result(),
            http::status::ok);
}
