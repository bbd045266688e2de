#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

// Cheap structural checks of a JPEG byte string: no decoding, only marker walking.
namespace camgate::core::jpeg {

// The comment-segment prefix camgate-camsim stamps its capture time with:
// "camgate-ts=<unix microseconds>;seq=<frame number>".
inline constexpr std::string_view kTimestampTag = "camgate-ts=";

struct info {
  int width = 0;
  int height = 0;
  std::optional<std::int64_t> capture_us;  // from a camgate-ts comment
  std::optional<std::uint64_t> seq;        // from the same comment
};

// Length of the JPEG once trailing padding after EOI (zeros, CR, LF, spaces, which
// some cameras append) is removed; nullopt unless it starts with SOI and ends with EOI.
std::optional<std::size_t> complete_length(std::span<const std::uint8_t> bytes);

// Walks the marker segments up to the first SOS (or the first bad segment).
info scan(std::span<const std::uint8_t> bytes);

// Returns `jpeg` with a comment segment holding `text` inserted right after SOI.
std::vector<std::uint8_t> with_comment(std::span<const std::uint8_t> jpeg, std::string_view text);

// The camgate-ts comment text for a capture time and frame number.
std::string timestamp_comment(std::int64_t capture_us, std::uint64_t seq);

}  // namespace camgate::core::jpeg
