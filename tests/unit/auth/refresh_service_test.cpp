// Rotating refresh tokens against a real SQLite file: rotation, reuse detection (the
// family goes), expiry per token and per family, and revocation by a generation bump.
#include "auth/refresh_service.hpp"

#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "auth/error.hpp"
#include "store/audit_repository.hpp"
#include "store/database.hpp"
#include "store/user_repository.hpp"

using namespace camgate;
using namespace camgate::auth;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kDay = 86400;

class refresh_service_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("camgate-refresh-" + std::to_string(std::random_device{}()));
    db_ = std::make_unique<store::database>(dir_ / "camgate.db");
    users_ = std::make_unique<store::user_repository>(*db_);
    audit_ = std::make_unique<store::audit_repository>(*db_);
    service_ = std::make_unique<refresh_service>(*db_, audit_.get(),
                                                 refresh_options{30 * kDay, 90 * kDay});
    const auto u = users_->add("alice", "user", "hash");
    alice_ = identity{u.id, u.name, role::user, u.token_gen};
  }
  void TearDown() override {
    service_.reset();
    audit_.reset();
    users_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::database> db_;
  std::unique_ptr<store::user_repository> users_;
  std::unique_ptr<store::audit_repository> audit_;
  std::unique_ptr<refresh_service> service_;
  identity alice_;
};

}  // namespace

TEST_F(refresh_service_test, TokensAre32RandomBytesInBase64url) {
  const auto a = service_->issue(alice_, kNow);
  const auto b = service_->issue(alice_, kNow);
  EXPECT_EQ(a.token.size(), 43u);
  EXPECT_TRUE(refresh_service::well_formed(a.token));
  EXPECT_NE(a.token, b.token);
  EXPECT_NE(a.family_id, b.family_id) << "each login is its own family";
  EXPECT_EQ(a.expires_at, kNow + 30 * kDay);
  EXPECT_EQ(a.expires_in, 30 * kDay);
  EXPECT_FALSE(refresh_service::well_formed(a.token + "A"));
  EXPECT_FALSE(refresh_service::well_formed(std::string(43, '!')));
  EXPECT_FALSE(refresh_service::well_formed(""));
}

TEST_F(refresh_service_test, RotationHandsOutTheNextTokenOfTheSameFamily) {
  const auto first = service_->issue(alice_, kNow, "10.0.0.7");
  auto r1 = service_->rotate(first.token, kNow + 60);
  ASSERT_TRUE(r1) << r1.reason;
  EXPECT_EQ(r1.who, alice_);
  EXPECT_EQ(r1.next.family_id, first.family_id);
  EXPECT_NE(r1.next.token, first.token);
  auto r2 = service_->rotate(r1.next.token, kNow + 120);
  ASSERT_TRUE(r2) << r2.reason;
  const auto sessions = service_->sessions(alice_.user_id, kNow + 120);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].last_used_at, kNow + 120);
  EXPECT_EQ(sessions[0].remote, "10.0.0.7");
}

TEST_F(refresh_service_test, AReusedTokenRevokesTheWholeFamilyAndIsAudited) {
  const auto first = service_->issue(alice_, kNow);
  const auto other = service_->issue(alice_, kNow);  // another login, untouched
  auto r1 = service_->rotate(first.token, kNow + 1);
  ASSERT_TRUE(r1);
  auto again = service_->rotate(first.token, kNow + 2, "203.0.113.9");
  EXPECT_EQ(again.error, refresh_error::reused);
  // The newest token of that family dies with it: the thief's and the owner's alike.
  auto newest = service_->rotate(r1.next.token, kNow + 3);
  EXPECT_EQ(newest.error, refresh_error::revoked);
  EXPECT_TRUE(service_->rotate(other.token, kNow + 4)) << "other sessions live on";

  store::audit_filter f;
  f.protocol = "refresh-reuse";
  const auto entries = audit_->list(f);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].user_id, alice_.user_id);
  EXPECT_EQ(entries[0].resource_kind, "session");
  EXPECT_EQ(entries[0].resource_id, first.family_id);
  EXPECT_EQ(entries[0].remote, "203.0.113.9");
}

TEST_F(refresh_service_test, ATokenExpiresAfterItsLifetime) {
  const auto t = service_->issue(alice_, kNow);
  EXPECT_EQ(service_->rotate(t.token, kNow + 30 * kDay).error, refresh_error::expired);
  EXPECT_TRUE(service_->rotate(t.token, kNow + 30 * kDay - 1));
}

TEST_F(refresh_service_test, AFamilyEndsAtItsAbsoluteLifetimeWhateverTheRotations) {
  auto t = service_->issue(alice_, kNow);
  std::int64_t at = kNow;
  // Rotating every 20 days keeps each token young, but never past 90 days from login.
  for (int i = 0; i < 4; ++i) {
    at += 20 * kDay;
    auto r = service_->rotate(t.token, at);
    ASSERT_TRUE(r) << i << ": " << r.reason;
    EXPECT_LE(r.next.expires_at, kNow + 90 * kDay);
    t = r.next;
  }
  EXPECT_EQ(t.expires_at, kNow + 90 * kDay) << "the last token ends with its family";
  EXPECT_EQ(service_->rotate(t.token, kNow + 90 * kDay).error, refresh_error::expired);
}

TEST_F(refresh_service_test, AGenerationBumpRevokesRefreshTokens) {
  const auto a = service_->issue(alice_, kNow);
  ASSERT_TRUE(users_->revoke_tokens(alice_.user_id, alice_.token_gen));  // logout everywhere
  EXPECT_EQ(service_->rotate(a.token, kNow + 1).error, refresh_error::revoked);
  EXPECT_TRUE(service_->sessions(alice_.user_id, kNow + 1).empty());

  // A role change bumps it too (the schema's trigger); a login after it starts anew.
  const auto u = *users_->find_by_id(alice_.user_id);
  identity now_alice{u.id, u.name, role::user, u.token_gen};
  const auto b = service_->issue(now_alice, kNow + 2);
  ASSERT_TRUE(users_->set_role(alice_.user_id, "admin"));
  EXPECT_EQ(service_->rotate(b.token, kNow + 3).error, refresh_error::revoked);
}

TEST_F(refresh_service_test, LogoutRevokesOnlyItsFamilyAndDeletionForgetsTheUser) {
  const auto a = service_->issue(alice_, kNow);
  const auto b = service_->issue(alice_, kNow);
  EXPECT_TRUE(service_->revoke(a.token, kNow + 1, "logout"));
  EXPECT_EQ(service_->rotate(a.token, kNow + 2).error, refresh_error::revoked);
  EXPECT_TRUE(service_->rotate(b.token, kNow + 2));
  ASSERT_TRUE(users_->remove(alice_.user_id));
  EXPECT_EQ(service_->rotate(b.token, kNow + 3).error, refresh_error::unknown);
}

TEST_F(refresh_service_test, BadInputIsAResultNeverAThrow) {
  EXPECT_EQ(service_->rotate("", kNow).error, refresh_error::malformed);
  EXPECT_EQ(service_->rotate(std::string(10000, 'A'), kNow).error, refresh_error::malformed);
  EXPECT_EQ(service_->rotate(std::string("\0\xff", 2), kNow).error, refresh_error::malformed);
  EXPECT_EQ(service_->rotate(std::string(43, 'A'), kNow).error, refresh_error::unknown);
  EXPECT_FALSE(service_->revoke("nonsense", kNow, "logout"));
  EXPECT_THROW(refresh_service(*db_, nullptr, {10, 90 * kDay}), error);
  EXPECT_THROW(refresh_service(*db_, nullptr, {30 * kDay, kDay}), error);
}
