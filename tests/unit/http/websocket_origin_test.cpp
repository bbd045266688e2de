#include "http/websocket_origin.hpp"

#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace camgate;
using namespace camgate::httpd;

namespace {

request upgrade(std::string_view host, std::string_view origin) {
  request req{http::verb::get, "/signaling", 11};
  if (!host.empty()) req.set(http::field::host, host);
  if (!origin.empty()) req.set(http::field::origin, origin);
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  return req;
}

}  // namespace

TEST(WebsocketOrigin, NoOriginIsANonBrowserClientAndAllowed) {
  EXPECT_TRUE(websocket_origin().allowed(upgrade("gw.example:8080", "")));
}

TEST(WebsocketOrigin, SameHostAndPortIsAllowedWhateverTheScheme) {
  websocket_origin same;
  EXPECT_TRUE(same.allowed(upgrade("gw.example:8080", "http://gw.example:8080")));
  EXPECT_TRUE(same.allowed(upgrade("gw.example:8080", "https://gw.example:8080")));
  EXPECT_TRUE(same.allowed(upgrade("GW.Example:8080", "http://gw.example:8080")));
  EXPECT_TRUE(same.allowed(upgrade("127.0.0.1:9000", "http://127.0.0.1:9000")));
  EXPECT_TRUE(same.allowed(upgrade("[::1]:9000", "http://[::1]:9000")));
  // No port in Host: a default port, either one (a TLS proxy in front).
  EXPECT_TRUE(same.allowed(upgrade("gw.example", "https://gw.example")));
  EXPECT_TRUE(same.allowed(upgrade("gw.example", "http://gw.example")));
  EXPECT_TRUE(same.allowed(upgrade("gw.example:443", "https://gw.example")));
}

TEST(WebsocketOrigin, OtherHostsPortsAndMalformedOriginsAreRefused) {
  websocket_origin same;
  EXPECT_FALSE(same.allowed(upgrade("gw.example:8080", "https://evil.example")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example:8080", "http://gw.example:8081")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example:8080", "http://gw.example")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example", "http://gw.example:8080")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example", "http://gw.example.evil.example")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example", "http://evil.example@gw.example")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example", "http://gw.example/path")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example", "file://gw.example")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example", "null")));
  EXPECT_FALSE(same.allowed(upgrade("gw.example", "gw.example")));
  EXPECT_FALSE(same.allowed(upgrade("", "http://gw.example")));  // no Host
}

TEST(WebsocketOrigin, ListedOriginsAreAllowedButNotTheWildcard) {
  websocket_origin listed({"https://clinic.example", "*"});
  EXPECT_TRUE(listed.allowed(upgrade("gw.example:8080", "https://clinic.example")));
  EXPECT_TRUE(listed.allowed(upgrade("gw.example:8080", "https://CLINIC.example:443")));
  EXPECT_FALSE(listed.allowed(upgrade("gw.example:8080", "http://clinic.example")));
  EXPECT_FALSE(listed.allowed(upgrade("gw.example:8080", "https://evil.example")));
  EXPECT_FALSE(websocket_origin({"*"}).allowed(upgrade("gw.example", "https://evil.example")));
  EXPECT_THROW(websocket_origin({"https://clinic.example/path"}), std::invalid_argument);
}

TEST(WebsocketOrigin, RefusalIs403Json) {
  auto r = websocket_origin().check(upgrade("gw.example", "https://evil.example"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.result(), http::status::forbidden);
  auto body = nlohmann::json::parse(r->message.body());
  EXPECT_EQ(body["success"], false);
  EXPECT_NE(body["error"].get<std::string>().find("origin"), std::string::npos);
  EXPECT_FALSE(websocket_origin().check(upgrade("gw.example", "http://gw.example")));
}
