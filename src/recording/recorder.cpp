#include "recording/recorder.hpp"

#include <ctime>

#include "core/clock.hpp"
#include "core/logging.hpp"

namespace camgate::recording {

namespace {
std::pair<int, std::int64_t> key_of(access::resource r) {
  return {static_cast<int>(r.kind), r.id};
}
}  // namespace

recorder::recorder(store::recording_repository& repo, core::config::recording_section options,
                   std::filesystem::path data_dir)
    : repo_(repo), options_(std::move(options)) {
  dir_ = std::filesystem::path(options_.dir).is_absolute() ? std::filesystem::path(options_.dir)
                                                           : data_dir / options_.dir;
}

recorder::~recorder() {
  stop_all();
}

// <dir>/camera-3/20261206T224501Z.mp4; a second start within the same second gets -2, -3...
std::string recorder::path_for(access::resource what) const {
  const auto folder =
      dir_ / (std::string(access::to_string(what.kind)) + "-" + std::to_string(what.id));
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  const std::time_t now = core::unix_micros() / 1'000'000;
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  auto path = folder / (std::string(stamp) + ".mp4");
  for (int n = 2; std::filesystem::exists(path); ++n)
    path = folder / (std::string(stamp) + "-" + std::to_string(n) + ".mp4");
  return path.string();
}

std::variant<store::recording_row, std::string> recorder::start(access::resource what, feed source,
                                                                recording_cause cause) {
  std::lock_guard lock(mu_);
  if (active_.contains(key_of(what)))
    return std::string(access::to_string(what.kind)) + " " + std::to_string(what.id) +
           " is already recording";
  store::recording_row row;
  row.resource_kind = std::string(access::to_string(what.kind));
  row.resource_id = what.id;
  row.reason = cause.reason;
  row.booking_id = cause.booking_id;
  row.user_id = cause.user_id;
  mp4_writer_options w;
  w.path = path_for(what);
  w.bitrate_kbps = static_cast<int>(options_.bitrate_kbps);
  w.fragment = std::chrono::milliseconds(options_.fragment_ms);
  std::string error;
  auto s = recording_session::start(repo_, source.channel, row, w, error);
  if (!s)
    return "cannot record " + row.resource_kind + " " + std::to_string(what.id) + ": " + error;
  auto stored = repo_.get(s->id());
  active_recording info{what, s->id(), std::move(cause),
                        stored ? stored->started_at : core::unix_micros() / 1'000'000};
  active_[key_of(what)] = entry{s, std::move(source), std::move(info)};
  return stored ? *stored : row;
}

store::recording_row recorder::end(entry e) {
  auto row = e.session->stop();
  e.source = {};  // the robot's lease goes after its last picture was written
  if (row.state == "complete" && row.frames == 0) {
    std::error_code ec;
    std::filesystem::remove(row.path, ec);
    try {
      repo_.remove(row.id);
    } catch (const std::exception& ex) {
      spdlog::warn("recording {}: cannot remove its empty row: {}", row.id, ex.what());
    }
    row.state = "empty";
  } else if (row.state == "complete" && on_complete_) {
    on_complete_(row);
  }
  return row;
}

std::optional<store::recording_row> recorder::stop(access::resource what) {
  entry e;
  {
    std::lock_guard lock(mu_);
    auto it = active_.find(key_of(what));
    if (it == active_.end()) return std::nullopt;
    e = std::move(it->second);
    active_.erase(it);
  }
  return end(std::move(e));  // outside the lock: closing a file takes a while
}

namespace {
active_recording info_of(const std::shared_ptr<recording_session>& s, active_recording info) {
  info.channel_ended = s->channel_ended();
  info.failure = s->failure();
  return info;
}
}  // namespace

std::optional<active_recording> recorder::current(access::resource what) const {
  std::lock_guard lock(mu_);
  auto it = active_.find(key_of(what));
  if (it == active_.end()) return std::nullopt;
  return info_of(it->second.session, it->second.info);
}

std::vector<active_recording> recorder::active() const {
  std::lock_guard lock(mu_);
  std::vector<active_recording> out;
  for (const auto& [k, e] : active_) out.push_back(info_of(e.session, e.info));
  return out;
}

void recorder::save_progress() {
  std::vector<std::shared_ptr<recording_session>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, e] : active_) all.push_back(e.session);
  }
  for (const auto& s : all) s->save_progress();
}

void recorder::stop_all() {
  std::map<std::pair<int, std::int64_t>, entry> all;
  {
    std::lock_guard lock(mu_);
    all.swap(active_);
  }
  for (auto& [k, e] : all) end(std::move(e));
}

}  // namespace camgate::recording
