#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <variant>

#include "http/response.hpp"

namespace camgate::httpd {

// One byte range of a resource of known size, both ends inclusive (RFC 9110 §14).
struct byte_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t length() const { return last - first + 1; }
};

// The range a `Range` header asks of a resource of `size` bytes: nullopt for no (or an
// unusable) header, which means the whole resource; `false` when nothing of it can be
// served (416). One range only: a multi-range request gets its first range, as players
// only ask for one. Never more than `max_length` bytes (a player asks again for the rest).
std::variant<std::nullopt_t, byte_range, bool> parse_range(std::string_view header,
                                                           std::uint64_t size,
                                                           std::uint64_t max_length);

// 416 for a file of `size` bytes: the JSON error, Content-Range "bytes */<size>".
response range_not_satisfiable(std::uint64_t size);

// A file served as players expect: 200 with the whole file when it is small enough and no
// range is asked, else 206 with Content-Range, or 416; Accept-Ranges always. Missing or
// unreadable: a JSON 404. Reads at most `max_length` bytes into memory.
response file_range_response(const std::filesystem::path& file, std::string_view content_type,
                             std::string_view range_header,
                             std::uint64_t max_length = 4 * 1024 * 1024);

}  // namespace camgate::httpd
