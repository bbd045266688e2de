#include "recording/recording_session.hpp"

#include <filesystem>

#include "core/clock.hpp"
#include "core/logging.hpp"
#include "store/error.hpp"

namespace camgate::recording {

std::shared_ptr<recording_session> recording_session::start(store::recording_repository& repo,
                                                            std::shared_ptr<hub::channel> channel,
                                                            store::recording_row row,
                                                            mp4_writer_options options,
                                                            std::string& error) {
  row.path = options.path;
  auto writer = mp4_writer::open(std::move(options), error);
  if (!writer) return nullptr;
  store::recording_row stored;
  try {
    stored = repo.start(row);
  } catch (const store::error& e) {
    error = e.what();
    writer->finish();
    std::error_code ec;
    std::filesystem::remove(row.path, ec);
    return nullptr;
  }
  std::shared_ptr<recording_session> s(
      new recording_session(repo, std::move(channel), std::move(writer), stored.id, row.path));
  s->channel_->subscribe(s);
  spdlog::info("recording {}: {} {} into {}", s->id_, row.resource_kind, row.resource_id, row.path);
  return s;
}

recording_session::recording_session(store::recording_repository& repo,
                                     std::shared_ptr<hub::channel> channel,
                                     std::unique_ptr<mp4_writer> writer, std::int64_t id,
                                     std::string path)
    : repo_(repo),
      channel_(std::move(channel)),
      writer_(std::move(writer)),
      id_(id),
      path_(std::move(path)) {}

recording_session::~recording_session() {
  stop();
}

void recording_session::deliver(const core::frame_ptr& frame) {
  writer_->push(frame);
}

void recording_session::end(core::end_reason) {
  channel_ended_ = true;
}

// The row starts when the file does: at its first picture, not when it was opened (a
// camera reconnecting, a robot's relay warming up), so clips find their second.
void recording_session::save_start(const mp4_writer_stats& st) {
  if (!st.first_received_us || start_saved_.exchange(true)) return;
  try {
    repo_.set_started(id_, st.first_received_us / 1'000'000);
  } catch (const store::error& e) {
    spdlog::warn("recording {}: cannot save its start: {}", id_, e.what());
  }
}

void recording_session::save_progress() {
  const auto st = writer_->stats();
  save_start(st);
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path_, ec);
  try {
    repo_.progress(id_, ec ? 0 : static_cast<std::int64_t>(bytes),
                   static_cast<std::int64_t>(st.pictures_in - st.pictures_dropped));
  } catch (const store::error& e) {
    spdlog::warn("recording {}: cannot save its progress: {}", id_, e.what());
  }
}

store::recording_row recording_session::stop() {
  std::lock_guard lock(stop_mu_);
  if (stopped_) return final_row_;
  stopped_ = true;
  channel_->unsubscribe(this);
  const bool closed = writer_->finish();
  const auto st = writer_->stats();
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path_, ec);
  const bool damaged = !closed || !writer_->error().empty();
  if (damaged) spdlog::warn("recording {}: damaged: {}", id_, writer_->error());
  const std::int64_t frames =
      static_cast<std::int64_t>(st.pictures_in) - static_cast<std::int64_t>(st.pictures_dropped);
  save_start(st);
  const auto ended_at =
      st.last_received_us ? st.last_received_us / 1'000'000 : core::unix_micros() / 1'000'000;
  try {
    repo_.finish(id_, ended_at, ec ? 0 : static_cast<std::int64_t>(bytes), frames,
                 damaged ? "damaged" : "complete");
    if (auto row = repo_.get(id_)) final_row_ = *row;
  } catch (const store::error& e) {
    // The file is there; the start-up scan repairs the row.
    spdlog::error("recording {}: cannot end its row: {}", id_, e.what());
  }
  spdlog::info("recording {}: {} ({} pictures, {} bytes)", id_, damaged ? "damaged" : "complete",
               frames, ec ? 0 : bytes);
  return final_row_;
}

}  // namespace camgate::recording
