#include "outputs/snapshot.hpp"

#include "core/clock.hpp"

namespace camgate::outputs {

asio::awaitable<core::frame_ptr> fresh_frame(std::shared_ptr<hub::channel> channel,
                                             std::chrono::milliseconds max_age,
                                             std::chrono::milliseconds wait) {
  if (auto latest = channel->latest()) {
    const auto age_us = core::unix_micros() - latest->received_us();
    if (age_us <= std::chrono::duration_cast<std::chrono::microseconds>(max_age).count())
      co_return latest;
  }
  // Wait on a timer that the channel's next publish cancels.
  struct waiting {
    explicit waiting(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    core::frame_ptr frame;
    bool done = false;
  };
  auto ex = co_await asio::this_coro::executor;
  auto state = std::make_shared<waiting>(ex);
  state->timer.expires_after(wait);
  channel->on_next_frame([state, ex](core::frame_ptr f) {
    asio::post(ex, [state, f = std::move(f)]() mutable {
      if (state->done) return;
      state->done = true;
      state->frame = std::move(f);
      state->timer.cancel();
    });
  });
  error_code ec;
  co_await state->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  state->done = true;
  co_return state->frame;
}

}  // namespace camgate::outputs
