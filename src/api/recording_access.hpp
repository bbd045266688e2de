#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "api/services.hpp"
#include "auth/identity.hpp"
#include "store/recording_repository.hpp"

namespace camgate::api {

// The part of a recording a caller may see.
struct recording_view {
  bool visible = false;
  bool whole = false;     // all of it: they may play and download the file
  std::int64_t from = 0;  // the first visible part, unix seconds
  std::int64_t to = 0;
  // Every visible part (a user with two bookings in one continuous recording has two).
  std::vector<std::pair<std::int64_t, std::int64_t>> parts;
};

// Who sees which recording: an admin all of every one; a user the part of a recording
// made during their own bookings of its camera or robot, and the file itself only when
// it lies wholly inside them (a booking's own recording does; a continuous one spanning
// other people's sessions does not: they cut their part with /clip). One per request:
// it reads the user's bookings once.
class recording_viewer {
 public:
  recording_viewer(services& s, const auth::identity& who, std::int64_t now);

  recording_view view(const store::recording_row& r) const;
  // The 403 reason when view(r) is not visible, or not whole and `whole_needed`.
  std::string refusal(const store::recording_row& r, bool whole_needed) const;
  // Whether [from, to) of `kind:id` lies inside one of the user's bookings (admins: yes).
  bool covers(const std::string& kind, std::int64_t id, std::int64_t from, std::int64_t to) const;
  bool admin() const { return admin_; }

 private:
  using window = std::pair<std::int64_t, std::int64_t>;
  bool admin_ = false;
  std::int64_t now_ = 0;
  std::map<std::pair<std::string, std::int64_t>, std::vector<window>> booked_;  // merged
};

}  // namespace camgate::api
