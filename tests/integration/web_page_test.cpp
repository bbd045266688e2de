// The page is found beside the binary (bin/../share/camgate/web), with no --web-root:
// the build tree links it there as an installation copies it.
#include <gtest/gtest.h>

#include "support/gateway_fixture.hpp"

using namespace camgate::testing;

TEST(WebPage, ServedFromBesideTheBinaryWithoutAWebRoot) {
  gateway gw;
  auto index = http_request(gw.port(), camgate::http::verb::get, "/");
  EXPECT_EQ(index.status, 200u) << index.body;
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<html"), std::string::npos);

  auto script = http_request(gw.port(), camgate::http::verb::get, "/js/app.js");
  EXPECT_EQ(script.status, 200u) << script.body;
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");

  auto outside = http_request(gw.port(), camgate::http::verb::get, "/../CMakeLists.txt");
  EXPECT_EQ(outside.status, 404u);
}
