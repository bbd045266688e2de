#pragma once
#include <array>
#include <string_view>

namespace camgate::auth {

using sha256_mac = std::array<unsigned char, 32>;

// HMAC-SHA256 (RFC 2104) of `data` under `key`; any key length.
sha256_mac hmac_sha256(std::string_view key, std::string_view data);

// Compares in time independent of where the inputs differ; false when the sizes differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace camgate::auth
