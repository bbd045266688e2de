#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/backoff.hpp"
#include "media/gst_ref.hpp"
#include "media/main_loop.hpp"
#include "media/media_options.hpp"
#include "media/picture_source.hpp"

namespace camgate::media {

// The life both picture sources share (capture, upstream_receiver): started once, a
// watchdog every 500 ms while started, and after a failure a new pipeline after a capped
// backoff until stop(). The source builds and frees its pipeline; this decides when.
// GLib thread only, except restarts().
class source_life {
 public:
  struct pipeline_ops {
    std::function<void()> start;        // builds and plays the pipeline (or calls failed)
    std::function<void()> stop;         // frees it
    std::function<void()> check_stall;  // every 500 ms while started
  };
  source_life(const media_options& opts, main_loop& loop, source_owner& owner, pipeline_ops ops);

  void start();
  void stop();
  bool started() const { return started_; }
  // The pipeline stopped working: freed now and, unless stopped, built again after the
  // backoff; the owner hears `why`. `lost` and `again` word the log line.
  void failed(const std::string& why, std::string_view lost, std::string_view again);
  // A pipeline is being built: a pending retry is moot.
  void cancel_retry() { retry_timer_.reset(); }
  // Pictures flow (or a restart was asked for): the next failure waits the shortest time.
  void reset_backoff() { retry_.reset(); }
  std::uint64_t restarts() const { return restarts_; }

 private:
  main_loop& loop_;
  source_owner& owner_;
  pipeline_ops ops_;
  bool started_ = false;
  attached_source retry_timer_;
  attached_source watchdog_;
  core::backoff retry_;
  std::atomic<std::uint64_t> restarts_{0};
};

}  // namespace camgate::media
