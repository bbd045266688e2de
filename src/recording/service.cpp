#include "recording/service.hpp"

#include "core/clock.hpp"
#include "core/logging.hpp"
#include "recording/recovery.hpp"
#include "recording/retention.hpp"

namespace camgate::recording {

namespace {
std::int64_t now_s() {
  return core::unix_micros() / 1'000'000;
}
constexpr std::int64_t kRetentionEvery = 30;  // seconds between sweeps
}  // namespace

service::service(store::recording_repository& repo, store::audit_repository& audit,
                 const access::access_index& index, core::config::recording_section options,
                 const std::filesystem::path& data_dir, scheduler_hooks hooks)
    : repo_(repo),
      audit_(audit),
      options_(options),
      recorder_(repo, options, data_dir),
      scheduler_(recorder_, repo, index, options.policy, std::move(hooks),
                 std::chrono::seconds(options.segment_s)) {}

service::~service() {
  stop();
}

void service::on_complete(std::function<void(const store::recording_row&)> fn) {
  recorder_.on_complete(std::move(fn));
}

void service::start() {
  const auto r = recover_recordings(repo_);
  if (r.complete || r.damaged)
    spdlog::info("recordings: {} interrupted recording(s) repaired, {} damaged", r.complete,
                 r.damaged);
  spdlog::default_logger_raw();  // made before the thread (see offloader.cpp)
  thread_ = std::thread([this] { run(); });
}

void service::poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  wake_.notify_one();
}

void service::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  recorder_.stop_all();
}

void service::run() {
  const retention_limits limits{options_.keep_days, options_.max_disk_gb,
                                options_.min_free_disk_gb};
  std::int64_t last_sweep = 0;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    poked_ = false;
    lock.unlock();
    const auto now = now_s();
    try {
      scheduler_.reconcile(now);
      if (now - last_sweep >= kRetentionEvery) {
        last_sweep = now;
        apply_retention(repo_, audit_, recorder_.dir(), limits, now);
      }
    } catch (const std::exception& e) {
      spdlog::error("recordings: {}", e.what());  // the next pass tries again
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return poked_ || stopping_; });
  }
}

}  // namespace camgate::recording
