#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace camgate::auth {

// RFC 4648 section 5 without padding, the encoding of every JWS part.
std::string base64url_encode(std::string_view bytes);

// Strict: only the URL-safe alphabet, no padding, no whitespace, and unused trailing
// bits must be zero, so each byte string has exactly one accepted spelling.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace camgate::auth
