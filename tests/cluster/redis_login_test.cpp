// The cluster's Redis connection logs in: AUTH with a password or an ACL user, SELECT of a
// database, and a refused login said without the password. A real redis-server on
// 127.0.0.1 and a free port.
#include "cluster/redis_connection.hpp"
#include "cluster_fixture.hpp"

namespace {

using camgate::cluster::parse_redis_url;
using camgate::cluster::redis_connection;
using camgate::cluster::redis_error;
using camgate::cluster::redis_reply;

std::string url(const redis_server& r, const std::string& creds, const std::string& db = "") {
  return "redis://" + creds + "127.0.0.1:" + std::to_string(r.port) + db;
}

TEST(RedisLogin, PasswordUserAndDatabaseAreUsedAndARefusalHidesThePassword) {
  if (!have_redis()) GTEST_SKIP() << "redis-server is not installed";
  redis_server redis({"--requirepass", "right horse", "--user", "camgate", "on", ">p@ss:w0rd",
                      "~camgate:*", "&*", "+@all"});

  // No password: Redis answers NOAUTH to every command.
  redis_connection anonymous(parse_redis_url(url(redis, "")), 2s);
  const auto noauth = anonymous.command({"PING"});
  EXPECT_EQ(noauth.type, redis_reply::kind::error);
  EXPECT_NE(noauth.str.find("NOAUTH"), std::string::npos) << noauth.str;

  // The default user's password (escaped space), database 3.
  redis_connection a(parse_redis_url(url(redis, ":right%20horse@", "/3")), 2s);
  EXPECT_EQ(a.command({"SET", "camgate:probe", "db3"}).type, redis_reply::kind::status);
  redis_connection zero(parse_redis_url(url(redis, ":right%20horse@")), 2s);
  EXPECT_EQ(zero.command({"GET", "camgate:probe"}).type, redis_reply::kind::nil);

  // An ACL user whose password holds '@' and ':'.
  redis_connection acl(parse_redis_url(url(redis, "camgate:p%40ss:w0rd@", "/3")), 2s);
  EXPECT_EQ(acl.command({"GET", "camgate:probe"}).str, "db3");
  EXPECT_EQ(acl.command({"ACL", "WHOAMI"}).str, "camgate");

  try {
    redis_connection wrong(parse_redis_url(url(redis, ":wrong-secret@")), 2s);
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const redis_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("refused the login"), std::string::npos) << what;
    EXPECT_EQ(what.find("wrong-secret"), std::string::npos) << what;
  }
}

}  // namespace
