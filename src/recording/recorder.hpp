#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "access/resource.hpp"
#include "core/config.hpp"
#include "hub/channel.hpp"
#include "hub/feed.hpp"
#include "recording/recording_session.hpp"
#include "store/recording_repository.hpp"

namespace camgate::recording {

// Why a recording starts, and for whom: a booking run, the continuous policy, or a
// request through the API.
struct recording_cause {
  std::string reason = "demand";  // "booking", "continuous", "demand"
  std::optional<std::int64_t> booking_id;
  std::optional<std::int64_t> user_id;
};

// What keeps a recording's pictures coming: the channel, and for a robot the lease
// that keeps its upstream open and its pictures decoded.
using feed = hub::feed;

// A recording in progress, as the scheduler and the API see it.
struct active_recording {
  access::resource what;
  std::int64_t id = 0;
  recording_cause cause;
  std::int64_t started_at = 0;  // unix seconds
  bool channel_ended = false;   // the camera was removed, the robot's relay closed
  std::string failure;          // the writer stopped (disk full): stop it
};

// Every recording in progress, at most one per camera or robot. Files go to
// <dir>/<kind>-<id>/<UTC start>.mp4. Thread-safe; start() and stop() block while a file
// opens or closes (milliseconds; up to 5 s for a stuck encoder): call them off the I/O
// threads.
class recorder {
 public:
  recorder(store::recording_repository& repo, core::config::recording_section options,
           std::filesystem::path data_dir);
  ~recorder();  // stops every recording
  recorder(const recorder&) = delete;
  recorder& operator=(const recorder&) = delete;

  // The new recording's row, or why not ("already recording", the file, the store).
  std::variant<store::recording_row, std::string> start(access::resource what, feed source,
                                                        recording_cause cause);
  // Ends that resource's recording; nullopt when it has none. A recording that got no
  // picture (the camera was down all along) leaves neither file nor row: its returned
  // row has state "empty".
  std::optional<store::recording_row> stop(access::resource what);
  // The recording in progress of `what`, if any.
  std::optional<active_recording> current(access::resource what) const;
  std::vector<active_recording> active() const;
  // Saves every recording's size and picture count in its row.
  void save_progress();
  void stop_all();
  // Told of every recording that ended complete (the offload hook); set before start().
  void on_complete(std::function<void(const store::recording_row&)> fn) {
    on_complete_ = std::move(fn);
  }

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::string path_for(access::resource what) const;

  store::recording_repository& repo_;
  core::config::recording_section options_;
  std::filesystem::path dir_;
  std::function<void(const store::recording_row&)> on_complete_;
  mutable std::mutex mu_;
  struct entry {
    std::shared_ptr<recording_session> session;
    feed source;
    active_recording info;
  };
  store::recording_row end(entry e);

  std::map<std::pair<int, std::int64_t>, entry> active_;
};

}  // namespace camgate::recording
