#include "access/access_index.hpp"

#include <algorithm>

namespace camgate::access {

std::shared_ptr<const access_snapshot> access_snapshot::build(const store::access_rows& rows,
                                                              std::uint64_t version) {
  auto s = std::make_shared<access_snapshot>();
  s->version = version;
  s->users.reserve(rows.users.size());
  for (const auto& u : rows.users) {
    // A role this gateway does not know gets no access at all rather than a guess.
    const auto role = auth::role_from_string(u.role);
    if (role) s->users.emplace(u.id, user_entry{u.name, *role, u.token_gen});
  }
  for (const auto& r : rows.robots) s->robot_of.emplace(r.user_id, r.id);

  std::unordered_map<booking_key, std::vector<booked_run>, booking_key_hash> raw;
  for (const auto& b : rows.bookings) {
    const auto kind = resource_kind_from_string(b.resource_kind);
    if (!kind || b.ends_at <= b.starts_at) continue;
    raw[{b.user_id, {*kind, b.resource_id}}].push_back({b.starts_at, b.ends_at});
  }
  s->runs.reserve(raw.size());
  for (auto& [key, list] : raw) {
    std::sort(list.begin(), list.end(),
              [](const booked_run& a, const booked_run& b) { return a.start < b.start; });
    std::vector<booked_run> merged;
    for (const auto& b : list) {
      if (!merged.empty() && b.start <= merged.back().end) {
        merged.back().end = std::max(merged.back().end, b.end);
      } else {
        merged.push_back(b);
      }
    }
    s->runs.emplace(key, std::move(merged));
  }
  return s;
}

credential_state check_credential(const access_snapshot& s, const auth::identity& who) {
  const auto it = s.users.find(who.user_id);
  if (it == s.users.end()) return credential_state::user_removed;
  if (it->second.token_gen != who.token_gen) return credential_state::token_revoked;
  return credential_state::valid;
}

void access_index::publish(const store::access_rows& rows) {
  const auto version = published_.fetch_add(1, std::memory_order_relaxed) + 1;
  current_.store(access_snapshot::build(rows, version));
}

}  // namespace camgate::access
