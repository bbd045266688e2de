#pragma once
#include <chrono>

#include "core/asio.hpp"
#include "hub/channel.hpp"

namespace camgate::outputs {

// The latest frame if it is younger than `max_age`, else the next one published
// within `wait`; nullptr when none comes (camera offline or stalled).
asio::awaitable<core::frame_ptr> fresh_frame(std::shared_ptr<hub::channel> channel,
                                             std::chrono::milliseconds max_age,
                                             std::chrono::milliseconds wait);

}  // namespace camgate::outputs
