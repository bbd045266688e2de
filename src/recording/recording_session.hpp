#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "hub/channel.hpp"
#include "hub/subscriber.hpp"
#include "recording/mp4_writer.hpp"
#include "store/recording_repository.hpp"

namespace camgate::recording {

// One recording in progress: a subscriber of a camera's (or robot's) hub channel that
// hands every picture to its file, with its row in the recordings table kept current.
// stop() closes the file and ends the row: "complete", or "damaged" when the writer
// failed (disk full) or could not close the file.
class recording_session final : public hub::subscriber,
                                public std::enable_shared_from_this<recording_session> {
 public:
  // Opens the file, inserts the row (state "recording") and subscribes. nullptr, and
  // why in `error`, when the file or the row cannot be made (then neither exists).
  static std::shared_ptr<recording_session> start(store::recording_repository& repo,
                                                  std::shared_ptr<hub::channel> channel,
                                                  store::recording_row row,
                                                  mp4_writer_options options, std::string& error);
  ~recording_session() override;

  // hub::subscriber: from the publisher's thread; never blocks.
  void deliver(const core::frame_ptr& frame) override;
  void end(core::end_reason why) override;

  // Unsubscribes, closes the file and ends the row; returns the row as stored. Blocks
  // until the file is closed (call it off the I/O threads). Once; later calls return
  // the same row.
  store::recording_row stop();

  // Writes the current size and picture count to the row (for the API and a crash).
  void save_progress();
  // The writer stopped (disk full, folder gone): the owner should stop() it.
  std::string failure() const { return writer_->error(); }

  std::int64_t id() const { return id_; }
  const std::string& path() const { return path_; }
  // The channel ended (camera removed, gateway stopping): the owner should stop().
  bool channel_ended() const { return channel_ended_; }

 private:
  recording_session(store::recording_repository& repo, std::shared_ptr<hub::channel> channel,
                    std::unique_ptr<mp4_writer> writer, std::int64_t id, std::string path);

  store::recording_repository& repo_;
  std::shared_ptr<hub::channel> channel_;
  std::unique_ptr<mp4_writer> writer_;
  const std::int64_t id_;
  const std::string path_;
  std::atomic<bool> channel_ended_{false};
  std::mutex stop_mu_;
  bool stopped_ = false;  // guarded by stop_mu_
  store::recording_row final_row_;
  std::atomic<bool> start_saved_{false};
  void save_start(const mp4_writer_stats& st);
};

}  // namespace camgate::recording
