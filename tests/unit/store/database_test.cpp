#include "store/database.hpp"

#include <array>
#include <fstream>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "store/error.hpp"
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "store/transaction.hpp"
#include "store/user_repository.hpp"
#include "store_fixture.hpp"

using namespace camgate::store;
using ::testing::HasSubstr;

namespace {

class database_test : public store_fixture {};

bool table_exists(database& db, std::string_view name) {
  statement s(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  s.bind_text(1, name);
  return s.step();
}

}  // namespace

namespace {
unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_mode & 07777 : 07777;
}
}  // namespace

// It holds password and robot-credential hashes: nobody else may read it.
TEST_F(database_test, FilesArePrivateAndFoldersItCreatesToo) {
  const auto nested = dir_ / "a" / "b" / "camgate.db";
  {
    database db(nested);
    db.exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)");
    EXPECT_EQ(mode_of(nested), 0600u);
    EXPECT_EQ(mode_of(nested.string() + "-wal"), 0600u);
    EXPECT_EQ(mode_of(nested.string() + "-shm"), 0600u);
  }
  EXPECT_EQ(mode_of(dir_ / "a"), 0700u);
  EXPECT_EQ(mode_of(dir_ / "a" / "b"), 0700u);
  ::chmod(nested.c_str(), 0644);
  database again(nested);
  EXPECT_EQ(mode_of(nested), 0600u);
}

TEST_F(database_test, CreatesFileAndAppliesSchema) {
  database db(db_path());
  EXPECT_TRUE(std::filesystem::exists(db_path()));
  EXPECT_EQ(db.schema_version(), static_cast<int>(schema_migrations().size()));
  EXPECT_EQ(db.migrations_applied(), static_cast<int>(schema_migrations().size()));
  EXPECT_TRUE(table_exists(db, "users"));
  EXPECT_TRUE(table_exists(db, "cameras"));
  EXPECT_TRUE(table_exists(db, "camera_selections"));
}

TEST_F(database_test, CreatesMissingDirectory) {
  database db(dir_ / "a" / "b" / "camgate.db");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "a" / "b" / "camgate.db"));
}

TEST_F(database_test, UsesWalAndForeignKeys) {
  database db(db_path());
  statement wal(db, "PRAGMA journal_mode");
  ASSERT_TRUE(wal.step());
  EXPECT_EQ(wal.column_text(0), "wal");
  statement fk(db, "PRAGMA foreign_keys");
  ASSERT_TRUE(fk.step());
  EXPECT_EQ(fk.column_int64(0), 1);
}

TEST_F(database_test, ReopeningKeepsDataAndAppliesNothing) {
  {
    database db(db_path());
    user_repository(db).add("alice", "admin", "hash");
  }
  database db(db_path());
  EXPECT_EQ(db.migrations_applied(), 0);
  EXPECT_EQ(db.schema_version(), static_cast<int>(schema_migrations().size()));
  auto alice = user_repository(db).find_by_name("alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->role, "admin");
}

TEST_F(database_test, AppliesOnlyNewSteps) {
  const std::array<std::string_view, 1> v1 = {"CREATE TABLE t1 (x INTEGER)"};
  const std::array<std::string_view, 2> v2 = {
      "CREATE TABLE t1 (x INTEGER)", "CREATE TABLE t2 (y TEXT); INSERT INTO t2 VALUES ('a')"};
  {
    database db(db_path(), v1);
    EXPECT_EQ(db.migrations_applied(), 1);
    db.exec("INSERT INTO t1 VALUES (7)");
  }
  {
    database db(db_path(), v2);
    EXPECT_EQ(db.migrations_applied(), 1);
    EXPECT_EQ(db.schema_version(), 2);
    statement s(db, "SELECT x FROM t1");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.column_int64(0), 7);
  }
  database db(db_path(), v2);
  EXPECT_EQ(db.migrations_applied(), 0);
}

TEST_F(database_test, FailedStepIsRolledBack) {
  const std::array<std::string_view, 2> steps = {"CREATE TABLE t1 (x INTEGER)",
                                                 "CREATE TABLE t2 (y TEXT); NOT SQL AT ALL"};
  try {
    database db(db_path(), steps);
    FAIL() << "a broken migration must throw";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("schema version 2"));
    EXPECT_THAT(e.what(), HasSubstr("syntax error"));
  }
  const std::array<std::string_view, 1> v1 = {steps[0]};
  database db(db_path(), v1);
  EXPECT_EQ(db.schema_version(), 1);
  EXPECT_EQ(db.migrations_applied(), 0);
  EXPECT_FALSE(table_exists(db, "t2"));
}

TEST_F(database_test, RefusesNewerSchema) {
  const std::array<std::string_view, 2> v2 = {"CREATE TABLE t1 (x)", "CREATE TABLE t2 (y)"};
  const std::array<std::string_view, 1> v1 = {v2[0]};
  { database db(db_path(), v2); }
  try {
    database db(db_path(), v1);
    FAIL() << "opening a newer database must throw";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("schema version 2"));
    EXPECT_THAT(e.what(), HasSubstr("upgrade camgate"));
  }
}

TEST_F(database_test, FileThatIsNotSqliteGivesClearError) {
  {
    std::ofstream out(db_path(), std::ios::binary);
    out << "this is a camera config, not a database\n";
    for (int i = 0; i < 200; ++i) out << "garbage line " << i << "\n";
  }
  try {
    database db(db_path());
    FAIL() << "a non-SQLite file must throw";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr(db_path().string()));
    EXPECT_THAT(e.what(), HasSubstr("not a database"));
    EXPECT_EQ(e.code() & 0xff, SQLITE_NOTADB);
  }
}

TEST_F(database_test, DirectoryInsteadOfFileGivesError) {
  std::filesystem::create_directories(db_path());
  EXPECT_THROW(database db(db_path()), error);
}

TEST_F(database_test, StatementErrorsCarrySqliteMessage) {
  database db(db_path());
  try {
    statement s(db, "SELEC nonsense");
    FAIL() << "bad SQL must throw";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("syntax error"));
  }
  statement s(db, "SELECT ?");
  EXPECT_THROW(s.bind_int64(2, 1), error);
  EXPECT_THROW(db.exec("INSERT INTO nowhere VALUES (1)"), error);
}

TEST_F(database_test, StatementBindsAndReads) {
  database db(db_path());
  statement s(db, "SELECT ?, ?, ?, length(?)");
  s.bind_int64(1, -9'000'000'000'000).bind_text(2, std::string_view("a\0b", 3)).bind_null(3);
  s.bind_text(4, "héllo");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_int64(0), -9'000'000'000'000);
  EXPECT_EQ(s.column_text(1), std::string("a\0b", 3));
  EXPECT_TRUE(s.column_is_null(2));
  EXPECT_EQ(s.column_text(2), "");
  EXPECT_EQ(s.column_int64(3), 5);
  EXPECT_FALSE(s.step());
  s.reset();
  EXPECT_TRUE(s.step());
}

TEST_F(database_test, TransactionCommitsOrRollsBack) {
  database db(db_path());
  user_repository users(db);
  {
    transaction tx(db);
    users.add("kept", "user", "h");
    tx.commit();
  }
  {
    transaction tx(db);
    users.add("dropped", "user", "h");
  }
  try {
    transaction tx(db);
    users.add("also-dropped", "user", "h");
    users.add("kept", "user", "h");  // conflict: the whole transaction goes
    tx.commit();
  } catch (const conflict&) {
  }
  EXPECT_TRUE(users.find_by_name("kept"));
  EXPECT_FALSE(users.find_by_name("dropped"));
  EXPECT_FALSE(users.find_by_name("also-dropped"));
  EXPECT_EQ(users.count(), 1);
}

TEST_F(database_test, TwoConnectionsSeeEachOther) {
  database a(db_path());
  database b(db_path());
  EXPECT_EQ(b.migrations_applied(), 0);
  user_repository(a).add("alice", "user", "h");
  EXPECT_TRUE(user_repository(b).find_by_name("alice"));
}
