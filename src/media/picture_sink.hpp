#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace camgate::media {

// Where decoded JPEG pictures go (media_engine::set_picture_sink); called on a streaming
// thread: must not block or throw.
using picture_sink = std::function<void(std::vector<std::uint8_t> jpeg)>;

}  // namespace camgate::media
