#include "cluster/node_signature.hpp"

#include <gtest/gtest.h>

#include "cluster/redis_connection.hpp"

using namespace camgate::cluster;

namespace {

const std::string secret = "0123456789abcdef0123456789abcdef";

TEST(node_signature, AcceptsItsOwnAndRefusesEveryChange) {
  const auto sig = sign_camera_stream(secret, 7, 42, 2000);
  EXPECT_EQ(sig.size(), 64u);  // hex SHA-256
  EXPECT_TRUE(verify_camera_stream(secret, 7, 42, 2000, sig, 1000));
  EXPECT_FALSE(verify_camera_stream(secret, 8, 42, 2000, sig, 1000));  // another camera
  EXPECT_FALSE(verify_camera_stream(secret, 7, 43, 2000, sig, 1000));  // another lease
  EXPECT_FALSE(verify_camera_stream(secret, 7, 42, 2001, sig, 1000));  // expiry moved
  EXPECT_FALSE(verify_camera_stream(secret + "x", 7, 42, 2000, sig, 1000));
  EXPECT_FALSE(verify_camera_stream(secret, 7, 42, 2000, sig, 2001));  // expired
  EXPECT_FALSE(verify_camera_stream(secret, 7, 42, 2000, sig.substr(1), 1000));
  EXPECT_FALSE(verify_camera_stream(secret, 7, 42, 2000, "", 1000));
}

TEST(redis_url, ParsesHostAndPortAndRefusesTheRest) {
  const auto a = parse_redis_url("redis://10.0.0.5:6380");
  EXPECT_EQ(a.host, "10.0.0.5");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(parse_redis_url("redis://cache.local").port, 6379);
  EXPECT_EQ(parse_redis_url("redis://h:1/0").host, "h");
  EXPECT_THROW(parse_redis_url("http://h:1"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://h:0"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://h:70000"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://h:x"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://:1"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://h:"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://h:1/x"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://::1:6379"), std::runtime_error);  // v6 needs brackets
  EXPECT_THROW(parse_redis_url("redis://[::1"), std::runtime_error);
  EXPECT_THROW(parse_redis_url("redis://user@h"), std::runtime_error);  // a user, no password
  EXPECT_THROW(parse_redis_url("redis://:p%zz@h"), std::runtime_error);
}

TEST(redis_url, CarriesCredentialsDatabaseAndIpv6AndNeverLogsThePassword) {
  const auto a = parse_redis_url("redis://:s3cret@10.0.0.5:6380/2");
  EXPECT_EQ(a.user, "");
  EXPECT_EQ(a.password, "s3cret");
  EXPECT_EQ(a.db, 2);
  EXPECT_EQ(a.redacted(), "redis://***@10.0.0.5:6380/2");
  // An ACL user; %-escapes decoded; the last '@' ends the credentials.
  const auto b = parse_redis_url("redis://camgate:p%40ss:w@rd@cache:6379");
  EXPECT_EQ(b.user, "camgate");
  EXPECT_EQ(b.password, "p@ss:w@rd");
  EXPECT_EQ(b.host, "cache");
  EXPECT_EQ(b.redacted().find("ss"), std::string::npos);
  const auto c = parse_redis_url("redis://[::1]:7000");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.redacted(), "redis://[::1]:7000");
  EXPECT_EQ(parse_redis_url("redis://[fd00::5]").port, 6379);
  EXPECT_EQ(parse_redis_url("redis://h/").db, 0);
}

}  // namespace
