#pragma once
#include <filesystem>
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
  std::variant<store::recording_row, std::string> start(access::resource what,
                                                        std::shared_ptr<hub::channel> channel,
                                                        recording_cause cause);
  // Ends that resource's recording; nullopt when it has none.
  std::optional<store::recording_row> stop(access::resource what);
  // The recording in progress of `what`, if any.
  std::optional<std::int64_t> current(access::resource what) const;
  void stop_all();

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::string path_for(access::resource what) const;

  store::recording_repository& repo_;
  core::config::recording_section options_;
  std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::map<std::pair<int, std::int64_t>, std::shared_ptr<recording_session>> active_;
};

}  // namespace camgate::recording
