#pragma once
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "access/access_index.hpp"
#include "core/config.hpp"
#include "recording/recorder.hpp"
#include "recording/scheduler.hpp"

namespace camgate::store {
class audit_repository;
}  // namespace camgate::store

namespace camgate::recording {

// The recordings of one gateway: the recorder, the scheduler's passes and retention, on
// a thread of their own so that opening and closing files never holds an I/O thread or
// the shared blocking pool.
//
//   recording::service rec(repo, audit, index, cfg.recording, data_dir, hooks);
//   rec.start();            // repairs what a crash left, then records by policy
//   sync.on_refresh(... rec.poke() ...);  // a booking change applies at once
class service {
 public:
  service(store::recording_repository& repo, store::audit_repository& audit,
          const access::access_index& index, core::config::recording_section options,
          const std::filesystem::path& data_dir, scheduler_hooks hooks);
  ~service();  // stop()
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  // Ends the rows a crash left "recording" from their files, then starts the thread.
  void start();
  // A pass now rather than within the second (an access change, a camera added).
  void poke();
  // Stops the thread, then every recording (their files closed, rows complete).
  void stop();

  recorder& files() { return recorder_; }
  scheduler& plan() { return scheduler_; }
  const std::filesystem::path& dir() const { return recorder_.dir(); }
  // Told of every recording that ended complete (the offload hook). Set before start().
  void on_complete(std::function<void(const store::recording_row&)> fn);

 private:
  void run();

  store::recording_repository& repo_;
  store::audit_repository& audit_;
  const core::config::recording_section options_;
  recorder recorder_;
  scheduler scheduler_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool poked_ = false;     // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace camgate::recording
