// refresh_families and refresh_tokens: only hashes, one use per token, and the triggers
// that tie families to their user's token generation and lifetime.
#include "store/refresh_repository.hpp"

#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/statement.hpp"
#include "store/user_repository.hpp"
#include "store_fixture.hpp"

using namespace camgate::store;

namespace {

class refresh_repository_test : public backend_fixture {
 protected:
  void SetUp() override {
    backend_fixture::SetUp();
    if (IsSkipped()) return;
    db_ = open_db();
    users_ = std::make_unique<user_repository>(*db_);
    repo_ = std::make_unique<refresh_repository>(*db_);
    alice_ = users_->add("alice", "user", "h");
  }
  std::unique_ptr<database> db_;
  std::unique_ptr<user_repository> users_;
  std::unique_ptr<refresh_repository> repo_;
  user alice_;
};

}  // namespace

TEST_P(refresh_repository_test, ATokenIsUsedOnceAndItsFamilyRemembersWhen) {
  const auto f = repo_->add_family(alice_.id, alice_.token_gen, 1000, 9000, "10.0.0.7");
  repo_->add_token("aa", f.id, 1000, 5000);
  auto row = repo_->find("aa");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->family_id, f.id);
  EXPECT_EQ(row->user_name, "alice");
  EXPECT_EQ(row->family.token_expires_at, 5000);
  EXPECT_FALSE(row->used_at);

  repo_->add_token("bb", f.id, 1100, 6000);
  EXPECT_TRUE(repo_->mark_used("aa", 1100, "bb"));
  EXPECT_FALSE(repo_->mark_used("aa", 1200, "cc")) << "the first use wins";
  row = repo_->find("aa");
  EXPECT_EQ(row->used_at, 1100);
  EXPECT_EQ(row->family.last_used_at, 1100);
  EXPECT_EQ(row->family.token_expires_at, 6000) << "the newest unused token's expiry";
  EXPECT_FALSE(repo_->find("zz"));
}

TEST_P(refresh_repository_test, ActiveListsOnlyFamiliesThatCanStillBeRefreshed) {
  const auto live = repo_->add_family(alice_.id, 1, 1000, 9000, "");
  repo_->add_token("live", live.id, 1000, 5000);
  const auto revoked = repo_->add_family(alice_.id, 1, 1000, 9000, "");
  repo_->add_token("revoked", revoked.id, 1000, 5000);
  EXPECT_TRUE(repo_->revoke_family(revoked.id, 1001, "logout"));
  EXPECT_FALSE(repo_->revoke_family(revoked.id, 1002, "again"));
  const auto old = repo_->add_family(alice_.id, 1, 1000, 2000, "");
  repo_->add_token("old", old.id, 1000, 2000);

  auto active = repo_->active(alice_.id, 3000);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].id, live.id);
  EXPECT_EQ(repo_->family(revoked.id)->reason, "logout");
  EXPECT_EQ(repo_->revoke_user(alice_.id, 3000, "admin"), 2);  // live and old
  EXPECT_TRUE(repo_->active(alice_.id, 3000).empty());
}

TEST_P(refresh_repository_test, ABumpedGenerationRevokesTheFamiliesOfOlderOnes) {
  const auto f = repo_->add_family(alice_.id, alice_.token_gen, 1000, 9000, "");
  repo_->add_token("t", f.id, 1000, 5000);
  // A password change (the schema's trigger bumps the generation, which revokes).
  ASSERT_TRUE(users_->set_password(alice_.id, "new-hash"));
  auto fam = repo_->family(f.id);
  ASSERT_TRUE(fam);
  EXPECT_TRUE(fam->revoked_at);
  EXPECT_NE(fam->reason->find("tokens revoked"), std::string::npos);

  const auto again = repo_->add_family(alice_.id, alice_.token_gen + 1, 1000, 9000, "");
  repo_->add_token("u", again.id, 1000, 5000);
  ASSERT_TRUE(users_->revoke_tokens(alice_.id, alice_.token_gen + 1));  // logout
  EXPECT_TRUE(repo_->family(again.id)->revoked_at);
}

TEST_P(refresh_repository_test, DeletingTheUserDeletesTheirFamiliesAndTokens) {
  const auto f = repo_->add_family(alice_.id, 1, 1000, 9000, "");
  repo_->add_token("t", f.id, 1000, 5000);
  ASSERT_TRUE(users_->remove(alice_.id));
  EXPECT_FALSE(repo_->find("t"));
  EXPECT_FALSE(repo_->family(f.id));
}

TEST_P(refresh_repository_test, PruneForgetsWhatEndedBeforeTheCutOnly) {
  const auto ended = repo_->add_family(alice_.id, 1, 1000, 2000, "");
  repo_->add_token("ended", ended.id, 1000, 2000);
  const auto live = repo_->add_family(alice_.id, 1, 1000, 90000, "");
  repo_->add_token("used", live.id, 1000, 2500);
  repo_->add_token("live", live.id, 2400, 50000);
  EXPECT_EQ(repo_->prune(3000), 2);  // the ended family (its token with it), the used token
  EXPECT_FALSE(repo_->family(ended.id));
  EXPECT_TRUE(repo_->find("live"));
  EXPECT_FALSE(repo_->find("used"));
}

TEST_P(refresh_repository_test, TheTokenItselfIsNeverAColumn) {
  statement s(*db_, is_sqlite()
                        ? "SELECT group_concat(name) FROM pragma_table_info('refresh_tokens')"
                        : "SELECT string_agg(column_name::text, ',' ORDER BY ordinal_position) "
                          "FROM information_schema.columns WHERE table_name = 'refresh_tokens'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.column_text(0), "hash,family_id,issued_at,expires_at,used_at,replaced_by");
}

INSTANTIATE_TEST_SUITE_P(backends, refresh_repository_test, all_backends(), backend_name);
