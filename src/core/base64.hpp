#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camgate::core {

// Appends the standard (RFC 4648, padded) base64 encoding of `data` to `out`.
void base64_append(std::string& out, std::span<const std::uint8_t> data);
std::string base64_encode(std::span<const std::uint8_t> data);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace camgate::core
