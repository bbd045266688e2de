#include "store/analysis_repository.hpp"

#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/error.hpp"
#include "store/user_repository.hpp"
#include "store_fixture.hpp"

using namespace camgate::store;

namespace {

class analysis_repository_test : public backend_fixture {
 protected:
  void SetUp() override {
    backend_fixture::SetUp();
    if (IsSkipped()) return;
    db_ = open_db();
    admin_ = user_repository(*db_).add("root", "admin", "h").id;
    repo_ = std::make_unique<analysis_repository>(*db_);
  }
  static analysis_event_row event(std::int64_t cam, std::string type, std::int64_t at_us) {
    return {0, "camera", cam, std::move(type), at_us, "{\"at_us\":" + std::to_string(at_us) + "}"};
  }
  std::unique_ptr<database> db_;
  std::unique_ptr<analysis_repository> repo_;
  std::int64_t admin_ = 0;
};

TEST_P(analysis_repository_test, ProfilesAreSetReplacedAndRemoved) {
  EXPECT_FALSE(repo_->profile_of("camera", 1));
  repo_->set_profile({"camera", 1, R"({"when":"always"})", 100, admin_});
  repo_->set_profile({"camera", 1, R"({"when":"watched"})", 200, admin_});
  auto p = repo_->profile_of("camera", 1);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->profile, R"({"when":"watched"})");
  EXPECT_EQ(p->updated_at, 200);
  EXPECT_EQ(p->updated_by, admin_);
  EXPECT_EQ(repo_->profiles().size(), 1u);
  EXPECT_THROW(repo_->set_profile({"lamp", 1, "{}", 1, std::nullopt}), error);
  EXPECT_TRUE(repo_->remove_profile("camera", 1));
  EXPECT_FALSE(repo_->remove_profile("camera", 1));
}

TEST_P(analysis_repository_test, EventsAreFilteredNewestKeptOldestFirst) {
  std::vector<analysis_event_row> rows;
  for (int i = 1; i <= 10; ++i) rows.push_back(event(1, i % 2 ? "analysis" : "alert", i * 1000));
  rows.push_back(event(2, "analysis", 5000));
  repo_->append(rows);
  EXPECT_EQ(repo_->count(), 11);

  analysis_event_filter f{"camera", 1};
  f.limit = 3;
  auto newest = repo_->events(f);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest.front().at_us, 8000);  // the newest three, oldest first
  EXPECT_EQ(newest.back().at_us, 10000);

  f.limit = 100;
  f.type = "alert";
  f.from_us = 4000;
  f.to_us = 8000;
  auto alerts = repo_->events(f);
  ASSERT_EQ(alerts.size(), 2u);  // 4000 and 6000; 8000 is past `to`
  EXPECT_EQ(alerts[0].at_us, 4000);
  EXPECT_EQ(alerts[1].at_us, 6000);
}

TEST_P(analysis_repository_test, RetentionRemovesTheOldAndThenTheOldestPastTheCap) {
  std::vector<analysis_event_row> rows;
  for (int i = 1; i <= 10; ++i) rows.push_back(event(1, "analysis", i * 1000));
  repo_->append(rows);
  EXPECT_EQ(repo_->prune(3000, 100), 2);  // 1000 and 2000 are too old
  EXPECT_EQ(repo_->prune(0, 5), 3);       // 8 left, the cap keeps the newest 5
  analysis_event_filter f{"camera", 1};
  auto left = repo_->events(f);
  ASSERT_EQ(left.size(), 5u);
  EXPECT_EQ(left.front().at_us, 6000);
}

INSTANTIATE_TEST_SUITE_P(backends, analysis_repository_test, all_backends(), backend_name);

}  // namespace
