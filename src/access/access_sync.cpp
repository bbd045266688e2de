#include "access/access_sync.hpp"

#include "store/access_rows.hpp"

namespace camgate::access {

void access_sync::refresh() {
  std::function<void(const access_snapshot&)> listener;
  {
    std::lock_guard lock(mutex_);
    index_.publish(store::load_access_rows(db_));
    listener = listener_;
  }
  // Outside our lock: cuts call back into sessions, which may remove themselves.
  live_.bookings_changed_all();
  if (listener) listener(*index_.current());
}

void access_sync::on_refresh(std::function<void(const access_snapshot&)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void access_sync::ensure_user(std::int64_t user_id, std::int64_t token_gen) {
  const auto snap = index_.current();
  const auto it = snap->users.find(user_id);
  if (it != snap->users.end() && it->second.token_gen == token_gen) return;
  refresh();
}

}  // namespace camgate::access
