#pragma once
#include "core/asio.hpp"

namespace camgate::camsim {

// Wakes every coroutine waiting on it; they then re-check whatever they wait for.
// A timer that never expires and is cancelled to notify, since Boost 1.74 has no
// asio channels. Use from one thread (the server's io_context) only.
class notifier {
 public:
  explicit notifier(const asio::any_io_executor& ex)
      : timer_(ex, asio::steady_timer::time_point::max()) {}

  // Returns after the next notify_all() (or when the timer's executor shuts down).
  asio::awaitable<void> wait() {
    error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  // The expiry stays at "never", so a wait() begun afterwards blocks again.
  void notify_all() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

}  // namespace camgate::camsim
