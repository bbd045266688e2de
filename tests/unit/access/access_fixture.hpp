#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "access/access_index.hpp"
#include "access/manual_clock.hpp"
#include "access/policy.hpp"
#include "auth/identity.hpp"
#include "store/access_rows.hpp"
#include "store/audit_repository.hpp"
#include "store/booking_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/database.hpp"
#include "store/robot_repository.hpp"
#include "store/user_repository.hpp"
#include "unit/store/store_fixture.hpp"

// A fresh database with an admin, two users (alice, bob), two cameras and two robots
// (each with its device account), the repositories, a policy and a manual clock set to
// kT0 (unix seconds).
class access_fixture : public store_fixture {
 protected:
  static constexpr std::int64_t kT0 = 1'700'000'000;

  void SetUp() override {
    store_fixture::SetUp();
    db_ = std::make_unique<camgate::store::database>(db_path());
    users_ = std::make_unique<camgate::store::user_repository>(*db_);
    cameras_ = std::make_unique<camgate::store::camera_repository>(*db_);
    robots_ = std::make_unique<camgate::store::robot_repository>(*db_);
    bookings_ = std::make_unique<camgate::store::booking_repository>(*db_);
    audit_ = std::make_unique<camgate::store::audit_repository>(*db_);
    policy_ = std::make_unique<camgate::access::policy>(index_);

    admin_ = identity("root", "admin");
    alice_ = identity("alice", "user");
    bob_ = identity("bob", "user");
    cam1_ = add_camera("cam1");
    cam2_ = add_camera("cam2");
    rover_device_ = identity("rover-device", "robot");
    rover_ = robots_->add("rover", rover_device_.user_id).id;
    crawler_device_ = identity("crawler-device", "robot");
    crawler_ = robots_->add("crawler", crawler_device_.user_id).id;
    sync();
    clock_.set_seconds(kT0);
  }

  void TearDown() override {
    policy_.reset();
    audit_.reset();
    bookings_.reset();
    robots_.reset();
    cameras_.reset();
    users_.reset();
    db_.reset();
    store_fixture::TearDown();
  }

  camgate::auth::identity identity(const std::string& name, const std::string& role) {
    const auto u = users_->add(name, role, "hash");
    sync();
    return {u.id, u.name, *camgate::auth::role_from_string(role), u.token_gen};
  }

  // Publishes the store's current access rows, as access_sync does after every write.
  void sync() { index_.publish(camgate::store::load_access_rows(*db_)); }

  std::int64_t add_camera(const std::string& name) {
    camgate::store::camera_record c;
    c.name = name;
    c.host = name + ".local";
    return cameras_->add(c).id;
  }

  // Books [kT0 + from, kT0 + to) and returns the booking id.
  std::int64_t book(const camgate::auth::identity& who, camgate::access::resource r,
                    std::int64_t from, std::int64_t to) {
    camgate::store::booking b;
    b.user_id = who.user_id;
    b.resource_kind = std::string(camgate::access::to_string(r.kind));
    b.resource_id = r.id;
    b.starts_at = kT0 + from;
    b.ends_at = kT0 + to;
    const auto id = bookings_->add(b).id;
    sync();
    return id;
  }

  camgate::access::resource camera(std::int64_t id) const {
    return {camgate::access::resource_kind::camera, id};
  }
  camgate::access::resource robot(std::int64_t id) const {
    return {camgate::access::resource_kind::robot, id};
  }

  std::unique_ptr<camgate::store::database> db_;
  std::unique_ptr<camgate::store::user_repository> users_;
  std::unique_ptr<camgate::store::camera_repository> cameras_;
  std::unique_ptr<camgate::store::robot_repository> robots_;
  std::unique_ptr<camgate::store::booking_repository> bookings_;
  std::unique_ptr<camgate::store::audit_repository> audit_;
  std::unique_ptr<camgate::access::policy> policy_;
  camgate::access::manual_clock clock_;
  camgate::access::access_index index_;

  camgate::auth::identity admin_, alice_, bob_, rover_device_, crawler_device_;
  std::int64_t cam1_ = 0, cam2_ = 0, rover_ = 0, crawler_ = 0;
};
