#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/camera_repository.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/selection_repository.hpp"
#include "store/user_repository.hpp"
#include "store_fixture.hpp"

using namespace camgate::store;
using ::testing::HasSubstr;

namespace {

class repositories_test : public backend_fixture {
 protected:
  void SetUp() override {
    backend_fixture::SetUp();
    if (IsSkipped()) return;
    db_ = open_db();
  }
  void TearDown() override {
    db_.reset();
    backend_fixture::TearDown();
  }

  camera_record camera(std::string name, std::string host, int port,
                       std::optional<std::int64_t> by = std::nullopt) {
    camera_record c;
    c.name = std::move(name);
    c.host = std::move(host);
    c.port = port;
    c.created_by = by;
    return c;
  }

  std::unique_ptr<database> db_;
};

}  // namespace

TEST_P(repositories_test, UserCrud) {
  user_repository users(*db_);
  EXPECT_EQ(users.count(), 0);
  const user alice = users.add("alice", "admin", "$argon2id$a");
  const user bob = users.add("bob", "robot", "$argon2id$b");
  EXPECT_GT(alice.id, 0);
  EXPECT_NE(alice.id, bob.id);
  EXPECT_EQ(alice.name, "alice");
  EXPECT_EQ(alice.role, "admin");
  EXPECT_EQ(alice.password_hash, "$argon2id$a");
  EXPECT_GT(alice.created_at, 1'600'000'000);
  EXPECT_EQ(users.count(), 2);

  auto found = users.find_by_name("bob");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, bob.id);
  EXPECT_EQ(found->role, "robot");
  ASSERT_TRUE(users.find_by_id(alice.id));
  EXPECT_EQ(users.find_by_id(alice.id)->name, "alice");
  EXPECT_FALSE(users.find_by_name("carol"));
  EXPECT_FALSE(users.find_by_name("ALICE"));
  EXPECT_FALSE(users.find_by_id(9999));

  auto all = users.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "alice");
  EXPECT_EQ(all[1].name, "bob");

  EXPECT_TRUE(users.set_password(bob.id, "$argon2id$new"));
  EXPECT_EQ(users.find_by_id(bob.id)->password_hash, "$argon2id$new");
  EXPECT_FALSE(users.set_password(9999, "x"));

  EXPECT_TRUE(users.remove(alice.id));
  EXPECT_FALSE(users.remove(alice.id));
  EXPECT_EQ(users.count(), 1);
}

TEST_P(repositories_test, DuplicateUserNameIsConflict) {
  user_repository users(*db_);
  users.add("alice", "user", "h");
  try {
    users.add("alice", "admin", "h2");
    FAIL() << "a duplicate name must throw";
  } catch (const conflict& e) {
    EXPECT_THAT(e.what(), HasSubstr("alice"));
    EXPECT_THAT(e.what(), HasSubstr("already exists"));
  }
  EXPECT_EQ(users.count(), 1);
  EXPECT_EQ(users.find_by_name("alice")->role, "user");
}

TEST_P(repositories_test, UnknownRoleIsRejected) {
  user_repository users(*db_);
  try {
    users.add("eve", "root", "h");
    FAIL() << "an unknown role must throw";
  } catch (const conflict&) {
    FAIL() << "not a conflict";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown role 'root'"));
  }
  EXPECT_EQ(users.count(), 0);
}

TEST_P(repositories_test, CameraCrud) {
  user_repository users(*db_);
  camera_repository cameras(*db_);
  const user alice = users.add("alice", "admin", "h");

  camera_record in = camera("porch", "192.168.1.20", 81, alice.id);
  in.url = "/stream";
  in.origin = "setup";
  const camera_record porch = cameras.add(in);
  EXPECT_GT(porch.id, 0);
  EXPECT_EQ(porch.name, "porch");
  EXPECT_EQ(porch.host, "192.168.1.20");
  EXPECT_EQ(porch.port, 81);
  EXPECT_EQ(porch.url, "/stream");
  EXPECT_EQ(porch.origin, "setup");
  EXPECT_EQ(porch.created_by, alice.id);
  EXPECT_GT(porch.created_at, 1'600'000'000);

  camera_record dated = camera("garage", "Cam.Local", 80);
  dated.created_at = 1234;
  const camera_record garage = cameras.add(dated);
  EXPECT_EQ(garage.created_at, 1234);
  EXPECT_EQ(garage.origin, "api");
  EXPECT_FALSE(garage.created_by);

  ASSERT_TRUE(cameras.get(porch.id));
  EXPECT_EQ(cameras.get(porch.id)->url, "/stream");
  EXPECT_FALSE(cameras.get(9999));
  ASSERT_EQ(cameras.list().size(), 2u);
  EXPECT_EQ(cameras.list()[1].name, "garage");

  auto by_address = cameras.find_by_address("cam.local", 80);
  ASSERT_TRUE(by_address);
  EXPECT_EQ(by_address->id, garage.id);
  EXPECT_FALSE(cameras.find_by_address("cam.local", 81));
  EXPECT_FALSE(cameras.find_by_address("192.168.1.21", 81));

  EXPECT_TRUE(cameras.rename(garage.id, "garage door"));
  EXPECT_EQ(cameras.get(garage.id)->name, "garage door");
  EXPECT_FALSE(cameras.rename(9999, "x"));

  EXPECT_TRUE(cameras.remove(porch.id));
  EXPECT_FALSE(cameras.remove(porch.id));
  EXPECT_EQ(cameras.list().size(), 1u);
}

TEST_P(repositories_test, CameraRejectsUnknownCreatorAndOrigin) {
  camera_repository cameras(*db_);
  EXPECT_THROW(cameras.add(camera("x", "h", 80, 4242)), not_found);
  camera_record bad = camera("x", "h", 80);
  bad.origin = "magic";
  try {
    cameras.add(bad);
    FAIL() << "an unknown origin must throw";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown origin 'magic'"));
  }
  EXPECT_TRUE(cameras.list().empty());
}

TEST_P(repositories_test, DeletingUserKeepsCamerasAndDropsSelection) {
  user_repository users(*db_);
  camera_repository cameras(*db_);
  selection_repository selections(*db_);
  const user alice = users.add("alice", "user", "h");
  const camera_record cam = cameras.add(camera("c", "h", 80, alice.id));
  selections.select(alice.id, cam.id);

  ASSERT_TRUE(users.remove(alice.id));
  ASSERT_TRUE(cameras.get(cam.id));
  EXPECT_FALSE(cameras.get(cam.id)->created_by);  // ON DELETE SET NULL
  EXPECT_FALSE(selections.selected(alice.id));    // ON DELETE CASCADE
  EXPECT_EQ(selections.count_selecting(cam.id), 0);
}

TEST_P(repositories_test, Selections) {
  user_repository users(*db_);
  camera_repository cameras(*db_);
  selection_repository selections(*db_);
  const user a = users.add("a", "user", "h");
  const user b = users.add("b", "user", "h");
  const camera_record c1 = cameras.add(camera("c1", "h", 80));
  const camera_record c2 = cameras.add(camera("c2", "h", 81));

  EXPECT_FALSE(selections.selected(a.id));
  selections.select(a.id, c1.id);
  selections.select(b.id, c1.id);
  EXPECT_EQ(selections.selected(a.id), c1.id);
  EXPECT_EQ(selections.count_selecting(c1.id), 2);

  selections.select(a.id, c2.id);  // replaces, does not add
  EXPECT_EQ(selections.selected(a.id), c2.id);
  EXPECT_EQ(selections.count_selecting(c1.id), 1);
  EXPECT_EQ(selections.count_selecting(c2.id), 1);

  EXPECT_TRUE(selections.clear(b.id));
  EXPECT_FALSE(selections.clear(b.id));
  EXPECT_FALSE(selections.selected(b.id));

  // Deleting the camera removes the selections of it.
  ASSERT_TRUE(cameras.remove(c2.id));
  EXPECT_FALSE(selections.selected(a.id));
  EXPECT_EQ(selections.count_selecting(c2.id), 0);
}

TEST_P(repositories_test, SelectingMissingRowsIsNotFound) {
  user_repository users(*db_);
  camera_repository cameras(*db_);
  selection_repository selections(*db_);
  const user a = users.add("a", "user", "h");
  const camera_record c = cameras.add(camera("c", "h", 80));
  try {
    selections.select(a.id, c.id + 100);
    FAIL() << "selecting a missing camera must throw";
  } catch (const not_found& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not exist"));
  }
  EXPECT_THROW(selections.select(a.id + 100, c.id), not_found);
  EXPECT_FALSE(selections.selected(a.id));
}

TEST_P(repositories_test, ConcurrentUseFromFourThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  user_repository users(*db_);
  camera_repository cameras(*db_);
  selection_repository selections(*db_);
  const camera_record shared = cameras.add(camera("shared", "h", 80));

  std::atomic<int> failures{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string name = "u" + std::to_string(t) + "-" + std::to_string(i);
          const user u = users.add(name, "user", "h");
          const camera_record c = cameras.add(camera(name, "h", 1000 + t, u.id));
          selections.select(u.id, i % 2 == 0 ? shared.id : c.id);
          if (users.find_by_name(name)->id != u.id) ++failures;
          if (selections.selected(u.id) != (i % 2 == 0 ? shared.id : c.id)) ++failures;
          users.list();
          // Every thread races for the same name: exactly one wins over the whole run.
          try {
            users.add("contested", "user", "h");
          } catch (const conflict&) {
            ++conflicts;
          }
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(conflicts.load(), kThreads * kPerThread - 1);
  EXPECT_EQ(users.count(), kThreads * kPerThread + 1);
  EXPECT_EQ(cameras.list().size(), static_cast<std::size_t>(kThreads * kPerThread + 1));
  EXPECT_EQ(selections.count_selecting(shared.id), kThreads * kPerThread / 2);
  std::set<std::int64_t> ids;
  for (const auto& u : users.list()) ids.insert(u.id);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kPerThread + 1));
}

INSTANTIATE_TEST_SUITE_P(backends, repositories_test, all_backends(), backend_name);
