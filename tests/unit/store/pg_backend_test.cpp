// What only the PostgreSQL backend has: placeholders, concurrent migrations, the change
// feed, and an unreachable or vanishing server.
#include <atomic>
#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include "store/access_rows.hpp"
#include "store/change_watch.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/postgres/pg_cursor.hpp"
#include "store/postgres/pg_schema.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"
#include "store/user_repository.hpp"
#include "store_fixture.hpp"
#include "support/ports.hpp"

using namespace camgate::store;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

TEST(pg_placeholders, NumberedInOrderOutsideQuotesAndComments) {
  int n = 0;
  EXPECT_EQ(postgres::numbered_placeholders("SELECT ? , '?', \"a?\" FROM t WHERE x = ? -- ?\n"
                                            "AND y = ?",
                                            n),
            "SELECT $1 , '?', \"a?\" FROM t WHERE x = $2 -- ?\nAND y = $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(postgres::numbered_placeholders("SELECT 'it''s ?' || ?", n), "SELECT 'it''s ?' || $1");
  EXPECT_EQ(n, 1);
}

TEST(pg_unreachable, OpeningSaysWhereAndWhyWithoutThePassword) {
  const auto port = std::to_string(camgate::testing::unused_port());
  try {
    database::open("postgresql://camgate:secret-pw-42@127.0.0.1:" + port + "/camgate", {});
    FAIL() << "opened a database nobody serves";
  } catch (const error& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("cannot connect to PostgreSQL at 127.0.0.1:" + port + "/camgate"));
    EXPECT_THAT(what, HasSubstr("Connection refused"));
    EXPECT_THAT(what, Not(HasSubstr("secret-pw-42")));
    EXPECT_THAT(what, Not(HasSubstr("\n")));
  }
}

TEST(pg_unreachable, OnlyPostgresqlUrls) {
  EXPECT_THROW(database::open("mysql://x/y", {}), error);
}

class pg_backend_test : public backend_fixture {};

TEST_P(pg_backend_test, GatewaysStartingTogetherMigrateOnce) {
  const auto fresh = server_->create_database();
  std::atomic<int> applied{0};
  std::vector<std::thread> starts;
  for (int i = 0; i < 4; ++i) {
    starts.emplace_back([&] {
      auto db = database::open(server_->url(fresh), {});
      applied += db->migrations_applied();
    });
  }
  for (auto& t : starts) t.join();
  const auto steps = static_cast<int>(postgres::schema_migrations().size());
  EXPECT_EQ(applied.load(), steps);
  EXPECT_EQ(database::open(server_->url(fresh), {})->schema_version(), steps);
}

TEST_P(pg_backend_test, ChangeWatchSeesAnotherGatewaysWrites) {
  auto gateway = open_db();
  auto cli = open_db();
  std::atomic<int> changes{0};
  change_watch watch(*gateway, 20ms, [&] { ++changes; });
  user_repository(*cli).add("other", "user", "h");
  for (int i = 0; i < 200 && changes.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GE(changes.load(), 1);
  watch.stop();
  EXPECT_EQ(load_access_rows(*gateway).users.size(), 1u);
}

TEST_P(pg_backend_test, WritesFailAsUnavailableWhileTheServerIsDownThenReconnect) {
  auto db = open_db();
  user_repository users(*db);
  users.add("before", "user", "h");
  server_->stop();
  struct restart {
    camgate::testing::pg_server* s;
    ~restart() {
      if (s != nullptr) s->start();
    }
  } again{server_};
  try {
    users.add("during", "user", "h");
    FAIL() << "wrote to a stopped server";
  } catch (const unavailable& e) {
    EXPECT_THAT(e.what(), HasSubstr("database unavailable"));
  }
  // At once again (backoff): still unavailable, without waiting for a connect.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(users.count(), unavailable);
  EXPECT_THROW(users.count(), unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  server_->start();
  again.s = nullptr;
  std::optional<std::int64_t> count;
  for (int i = 0; i < 100 && !count; ++i) {
    try {
      count = users.count();
    } catch (const unavailable&) {
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_TRUE(count) << "no reconnection within 10 s";
  EXPECT_EQ(*count, 1);
  users.add("after", "user", "h");
  EXPECT_EQ(users.count(), 2);
}

TEST_P(pg_backend_test, ATransactionCutByTheOutageFailsToItsEnd) {
  auto db = open_db();
  {
    transaction tx(*db);
    statement(*db,
              "INSERT INTO users (name, role, password_hash, created_at) "
              "VALUES ('a', 'user', 'h', 0)")
        .execute();
    server_->stop();
    EXPECT_THROW(statement(*db, "SELECT 1").step(), unavailable);
    server_->start();
    // Still inside the lost transaction: no silent autocommit on a new connection.
    EXPECT_THROW(statement(*db, "SELECT 1").step(), unavailable);
  }
  std::optional<std::int64_t> count;
  for (int i = 0; i < 100 && !count; ++i) {
    try {
      count = user_repository(*db).count();
    } catch (const unavailable&) {
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 0) << "the insert was never committed";
}

INSTANTIATE_TEST_SUITE_P(backends, pg_backend_test, ::testing::Values(backend::postgresql),
                         backend_name);

}  // namespace
