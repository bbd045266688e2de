#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "store/recording_repository.hpp"

namespace camgate::recording {

struct offload_options {
  // Command template run after each complete recording; empty: no offload.
  std::string on_complete;
  // Template of where on_complete put it, e.g. "s3:camgate/{resource}/{id}.mp4"; when set
  // and the command exits 0, the row becomes 'offloaded' with this URL.
  std::string remote_url;
  bool delete_after_offload = false;  // remove the local file once offloaded
  // Template that brings {remote} back to {path}, e.g. "rclone copyto {remote} {path}".
  std::string fetch_command;
  // A hook running longer is killed (its process group) and counts as failed.
  std::chrono::seconds timeout{600};
};

// Replaces {path} {id} {resource} (e.g. "camera-3") {kind} {resource_id} {booking} (id or
// empty) {remote} in `tmpl`, each value single-quoted for /bin/sh (so a hostile value
// cannot inject a command). Unknown {names} stay as written.
std::string expand_command(std::string_view tmpl, const store::recording_row& row,
                           std::string_view remote);

// Copies complete recordings elsewhere (MediaMTX's runOnRecordSegmentComplete: any
// command, rclone for cloud storage) and brings offloaded ones back for playback.
// One worker thread runs the hooks one at a time, in order.
class offloader {
 public:
  offloader(store::recording_repository& repo, offload_options options);
  // Finishes the running hook (or kills it at timeout) and joins its thread; queued ones
  // stay 'complete' and requeue_pending offers them again at the next start.
  ~offloader();
  offloader(const offloader&) = delete;
  offloader& operator=(const offloader&) = delete;

  // Queues a complete recording for on_complete; returns at once. No-op when on_complete
  // is empty.
  void completed(const store::recording_row& row);
  // At start-up: queues every 'complete' recording that was never offloaded (when
  // on_complete and remote_url are set). Returns how many.
  int requeue_pending();
  // Makes the recording's file present locally: true at once if it is there; for an
  // 'offloaded' row whose file is gone, runs fetch_command into a temporary name in the
  // same folder, then renames (a failed fetch leaves nothing half-written). `error` says
  // why not. Blocking: call from a worker thread. Concurrent calls for one id fetch once.
  bool ensure_local(const store::recording_row& row, std::string& error);
  // Test aid: waits until the queue is empty and no hook runs.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct fetch;
  void run();
  void offload(const store::recording_row& row);
  bool fetch_file(const store::recording_row& row, std::string& error);

  store::recording_repository& repo_;
  const offload_options options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<store::recording_row> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::map<std::int64_t, std::shared_ptr<fetch>> fetches_;  // ensure_local in flight
  std::thread worker_;
};

}  // namespace camgate::recording
