#pragma once
#include <optional>
#include <string_view>

namespace camgate::auth {

// The three base64url parts of a compact JWS ("header.payload.signature"), as views into
// the token. Only the shape is checked here: exactly two dots, non-empty header and
// payload, and nothing outside the base64url alphabet. The signature may be empty (alg
// "none"); the caller decides what that means.
struct compact_jws {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // "header.payload": what the signature covers

  static std::optional<compact_jws> split(std::string_view token);
};

}  // namespace camgate::auth
