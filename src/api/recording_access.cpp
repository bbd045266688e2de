#include "api/recording_access.hpp"

#include <algorithm>

#include "store/booking_repository.hpp"

namespace camgate::api {
namespace {
// A booking's recording starts on the recorder's first pass in the booking and ends on
// the first pass after it: up to this much after either edge.
constexpr std::int64_t kEdgeSlack = 2;
}  // namespace

recording_viewer::recording_viewer(services& s, const auth::identity& who, std::int64_t now)
    : admin_(who.role == auth::role::admin), now_(now) {
  if (admin_) return;
  store::booking_filter f;
  f.user_id = who.user_id;
  for (const auto& b : s.bookings.list(f))
    booked_[{b.resource_kind, b.resource_id}].push_back({b.starts_at, b.ends_at});
  for (auto& [k, w] : booked_) {
    std::sort(w.begin(), w.end());
    std::vector<window> merged;
    for (const auto& x : w) {
      if (!merged.empty() && x.first <= merged.back().second)
        merged.back().second = std::max(merged.back().second, x.second);
      else
        merged.push_back(x);
    }
    w = std::move(merged);
  }
}

recording_view recording_viewer::view(const store::recording_row& r) const {
  const std::int64_t end = r.ended_at.value_or(now_);
  if (admin_) return {true, true, r.started_at, end, {{r.started_at, end}}};
  auto it = booked_.find({r.resource_kind, r.resource_id});
  if (it == booked_.end()) return {};
  recording_view v;
  for (const auto& [from, to] : it->second) {
    const auto a = std::max(from, r.started_at);
    const auto b = std::min(to, end);
    if (a > b || (a == b && !(from <= r.started_at && r.started_at < to))) continue;
    v.parts.push_back({a, b});
    if (from - kEdgeSlack <= r.started_at && end <= to + kEdgeSlack) v.whole = true;
  }
  if (v.parts.empty()) return v;
  v.visible = true;
  if (v.whole) v.parts = {{r.started_at, end}};
  v.from = v.parts.front().first;
  v.to = v.parts.front().second;
  return v;
}

std::string recording_viewer::refusal(const store::recording_row& r, bool whole_needed) const {
  const auto v = view(r);
  const auto name = "recording " + std::to_string(r.id);
  if (!v.visible) return name + " was not made during one of your bookings";
  if (whole_needed && !v.whole)
    return name + " runs beyond your booking: ask for your part with GET /api/" + r.resource_kind +
           "s/" + std::to_string(r.resource_id) + "/clip?start=" + std::to_string(v.from) +
           "&duration=" + std::to_string(v.to - v.from);
  return {};
}

bool recording_viewer::covers(const std::string& kind, std::int64_t id, std::int64_t from,
                              std::int64_t to) const {
  if (admin_) return true;
  auto it = booked_.find({kind, id});
  if (it == booked_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const window& w) { return w.first <= from && to <= w.second; });
}

}  // namespace camgate::api
