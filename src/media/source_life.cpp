#include "media/source_life.hpp"

#include <algorithm>

#include "core/logging.hpp"

namespace camgate::media {

source_life::source_life(const media_options& opts, main_loop& loop, source_owner& owner,
                         pipeline_ops ops)
    : loop_(loop),
      owner_(owner),
      ops_(std::move(ops)),
      retry_(opts.source_retry_initial, opts.source_retry_max) {}

void source_life::start() {
  if (started_) return;
  started_ = true;
  ops_.start();
  watchdog_ = loop_.add_timeout(500, [this] {
    ops_.check_stall();
    return true;
  });
}

void source_life::stop() {
  started_ = false;
  watchdog_.reset();
  retry_timer_.reset();
  ops_.stop();
}

void source_life::failed(const std::string& why, std::string_view lost, std::string_view again) {
  ops_.stop();
  if (!started_) return;
  const auto delay = retry_.next().count();
  ++restarts_;
  spdlog::warn("media: {} ({}); {} {} ms", lost, why, again, delay);
  owner_.source_changed(source_state::failed, why);
  retry_timer_.reset();
  retry_timer_ = loop_.add_timeout(static_cast<unsigned>(std::max<std::int64_t>(delay, 1)), [this] {
    retry_timer_.reset();  // it fires once
    ops_.start();
    return false;
  });
}

}  // namespace camgate::media
