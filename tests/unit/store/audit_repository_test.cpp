#include "store/audit_repository.hpp"

#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/error.hpp"
#include "store/transaction.hpp"
#include "store_fixture.hpp"

using namespace camgate::store;
using ::testing::HasSubstr;

namespace {

class audit_repository_test : public backend_fixture {
 protected:
  void SetUp() override {
    backend_fixture::SetUp();
    if (IsSkipped()) return;
    db_ = open_db();
    audit_ = std::make_unique<audit_repository>(*db_);
  }
  void TearDown() override {
    audit_.reset();
    db_.reset();
    backend_fixture::TearDown();
  }

  std::vector<std::int64_t> ids(const std::vector<audit_entry>& entries) {
    std::vector<std::int64_t> out;
    for (const auto& e : entries) out.push_back(e.id);
    return out;
  }

  std::unique_ptr<database> db_;
  std::unique_ptr<audit_repository> audit_;
};

}  // namespace

TEST_P(audit_repository_test, BeginAndEnd) {
  const auto id = audit_->begin(7, "alice", "camera", 3, "mjpeg", "10.0.0.5:51000", 1000);
  auto row = audit_->get(id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->user_id, 7);
  EXPECT_EQ(row->user_name, "alice");
  EXPECT_EQ(row->resource_kind, "camera");
  EXPECT_EQ(row->resource_id, 3);
  EXPECT_EQ(row->protocol, "mjpeg");
  EXPECT_EQ(row->remote, "10.0.0.5:51000");
  EXPECT_EQ(row->started_at, 1000);
  EXPECT_FALSE(row->ended_at);
  EXPECT_FALSE(row->end_reason);

  EXPECT_TRUE(audit_->end(id, 1060, "booking ended"));
  row = audit_->get(id);
  EXPECT_EQ(row->ended_at, 1060);
  EXPECT_EQ(row->end_reason, "booking ended");

  // The first end wins; unknown ids change nothing.
  EXPECT_FALSE(audit_->end(id, 2000, "closed by viewer"));
  EXPECT_EQ(audit_->get(id)->end_reason, "booking ended");
  EXPECT_EQ(audit_->get(id)->ended_at, 1060);
  EXPECT_FALSE(audit_->end(9999, 2000, "x"));
}

TEST_P(audit_repository_test, UserIdMayBeNullAndEndNeverPrecedesStart) {
  const auto id = audit_->begin(std::nullopt, "anonymous", "robot", 1, "webrtc", "", 500);
  EXPECT_FALSE(audit_->get(id)->user_id);
  EXPECT_TRUE(audit_->end(id, 400, "token expired"));  // a clock that stepped back
  EXPECT_EQ(audit_->get(id)->ended_at, 500);
}

TEST_P(audit_repository_test, EndsManyInOneCall) {
  std::vector<std::int64_t> all;
  for (int i = 0; i < 5; ++i) all.push_back(audit_->begin(1, "a", "camera", 1, "ws", "", 10 + i));
  EXPECT_TRUE(audit_->end(all[0], 20, "closed by viewer"));
  EXPECT_EQ(audit_->end(all, 30, "booking ended"), 4);
  EXPECT_EQ(audit_->get(all[0])->end_reason, "closed by viewer");
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_EQ(audit_->get(all[i])->end_reason, "booking ended");
    EXPECT_EQ(audit_->get(all[i])->ended_at, 30);
  }
  EXPECT_EQ(audit_->end(std::vector<std::int64_t>{}, 30, "x"), 0);
}

TEST_P(audit_repository_test, ListIsNewestFirstAndFilters) {
  const auto a = audit_->begin(1, "alice", "camera", 1, "mjpeg", "", 100);
  const auto b = audit_->begin(2, "bob", "camera", 1, "websocket", "", 200);
  const auto c = audit_->begin(1, "alice", "camera", 2, "websocket", "", 300);
  const auto d = audit_->begin(1, "alice", "robot", 1, "webrtc", "", 400);
  const auto e = audit_->begin(2, "bob", "robot", 1, "webrtc", "", 400);

  using v = std::vector<std::int64_t>;
  EXPECT_EQ(ids(audit_->list()), (v{e, d, c, b, a}));  // same start: higher id first

  audit_filter by_user;
  by_user.user_id = 1;
  EXPECT_EQ(ids(audit_->list(by_user)), (v{d, c, a}));

  audit_filter by_kind;
  by_kind.resource_kind = "robot";
  EXPECT_EQ(ids(audit_->list(by_kind)), (v{e, d}));

  audit_filter by_resource;
  by_resource.resource_kind = "camera";
  by_resource.resource_id = 1;
  EXPECT_EQ(ids(audit_->list(by_resource)), (v{b, a}));

  audit_filter window;  // since inclusive, until exclusive
  window.since = 200;
  window.until = 400;
  EXPECT_EQ(ids(audit_->list(window)), (v{c, b}));

  audit_filter by_protocol;
  by_protocol.protocol = "websocket";
  EXPECT_EQ(ids(audit_->list(by_protocol)), (v{c, b}));

  audit_filter combined;
  combined.user_id = 2;
  combined.protocol = "webrtc";
  combined.since = 400;
  EXPECT_EQ(ids(audit_->list(combined)), (v{e}));

  audit_filter page;
  page.limit = 2;
  page.offset = 1;
  EXPECT_EQ(ids(audit_->list(page)), (v{d, c}));
  page.offset = 4;
  EXPECT_EQ(ids(audit_->list(page)), (v{a}));
  page.offset = -3;  // counts as 0
  EXPECT_EQ(ids(audit_->list(page)), (v{e, d}));
  page.limit = 0;  // at least one row
  EXPECT_EQ(ids(audit_->list(page)), (v{e}));
}

TEST_P(audit_repository_test, ResourceIdNeedsKind) {
  audit_filter bad;
  bad.resource_id = 1;
  try {
    audit_->list(bad);
    FAIL() << "resource_id alone is ambiguous";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("needs resource_kind"));
  }
}

TEST_P(audit_repository_test, LimitIsCappedAtOneThousand) {
  {
    transaction tx(*db_);
    for (int i = 0; i < 1005; ++i) audit_->begin(1, "a", "camera", 1, "mjpeg", "", i);
    tx.commit();
  }
  EXPECT_EQ(audit_->list().size(), 100u);  // the default
  audit_filter all;
  all.limit = 5000;
  const auto rows = audit_->list(all);
  ASSERT_EQ(rows.size(), 1000u);
  EXPECT_EQ(rows.front().started_at, 1004);
  EXPECT_EQ(rows.back().started_at, 5);
}

TEST_P(audit_repository_test, CloseDanglingEndsOnlyOpenRows) {
  const auto open1 = audit_->begin(1, "a", "camera", 1, "mjpeg", "", 100);
  const auto closed = audit_->begin(1, "a", "camera", 1, "mjpeg", "", 110);
  const auto open2 = audit_->begin(2, "b", "robot", 1, "webrtc", "", 120);
  audit_->end(closed, 115, "closed by viewer");

  EXPECT_EQ(audit_->close_dangling(1000, "gateway restarted"), 2);
  EXPECT_EQ(audit_->get(open1)->ended_at, 1000);
  EXPECT_EQ(audit_->get(open1)->end_reason, "gateway restarted");
  EXPECT_EQ(audit_->get(open2)->end_reason, "gateway restarted");
  EXPECT_EQ(audit_->get(closed)->ended_at, 115);
  EXPECT_EQ(audit_->get(closed)->end_reason, "closed by viewer");
  EXPECT_EQ(audit_->close_dangling(2000, "gateway restarted"), 0);
}

TEST_P(audit_repository_test, RowsSurviveReopening) {
  const auto id = audit_->begin(1, "a", "camera", 1, "mjpeg", "", 100);
  audit_.reset();
  db_ = open_db();
  audit_repository reopened(*db_);
  ASSERT_TRUE(reopened.get(id));
  EXPECT_EQ(reopened.close_dangling(200, "gateway restarted"), 1);
}

INSTANTIATE_TEST_SUITE_P(backends, audit_repository_test, all_backends(), backend_name);
