#include "core/jpeg_markers.hpp"

#include <charconv>
#include <string_view>

namespace camgate::core::jpeg {
namespace {

bool is_padding(std::uint8_t b) {
  return b == 0 || b == '\r' || b == '\n' || b == ' ';
}

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p == s.data()) return std::nullopt;
  return v;
}

void parse_comment(std::string_view text, info& out) {
  if (!text.starts_with(kTimestampTag)) return;
  text.remove_prefix(kTimestampTag.size());
  const auto semi = text.find(';');
  out.capture_us = parse_number<std::int64_t>(text.substr(0, semi));
  if (semi == std::string_view::npos) return;
  auto rest = text.substr(semi + 1);
  if (rest.starts_with("seq=")) out.seq = parse_number<std::uint64_t>(rest.substr(4));
}

}  // namespace

std::optional<std::size_t> complete_length(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return std::nullopt;
  std::size_t n = bytes.size();
  // Allow a little padding only: a real EOI is at the very end of the encoder output.
  const std::size_t floor = n > 64 ? n - 64 : 2;
  while (n > floor && is_padding(bytes[n - 1])) --n;
  if (n < 4 || bytes[n - 2] != 0xFF || bytes[n - 1] != 0xD9) return std::nullopt;
  return n;
}

info scan(std::span<const std::uint8_t> bytes) {
  info out;
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return out;
  std::size_t i = 2;
  while (i + 4 <= bytes.size()) {
    if (bytes[i] != 0xFF) return out;
    const std::uint8_t marker = bytes[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      i += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return out;  // start of scan / end of image
    const std::size_t len = (bytes[i + 2] << 8) | bytes[i + 3];
    if (len < 2 || i + 2 + len > bytes.size()) return out;
    const auto* seg = bytes.data() + i + 4;
    const std::size_t seg_len = len - 2;
    const bool is_sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (is_sof && seg_len >= 5) {
      out.height = (seg[1] << 8) | seg[2];
      out.width = (seg[3] << 8) | seg[4];
    } else if (marker == 0xFE) {
      parse_comment(std::string_view(reinterpret_cast<const char*>(seg), seg_len), out);
    }
    i += 2 + len;
  }
  return out;
}

std::vector<std::uint8_t> with_comment(std::span<const std::uint8_t> jpeg, std::string_view text) {
  std::vector<std::uint8_t> out;
  if (jpeg.size() < 2) return out;
  const std::size_t len = text.size() + 2;
  out.reserve(jpeg.size() + len + 2);
  out.insert(out.end(), jpeg.begin(), jpeg.begin() + 2);
  out.push_back(0xFF);
  out.push_back(0xFE);
  out.push_back(static_cast<std::uint8_t>(len >> 8));
  out.push_back(static_cast<std::uint8_t>(len & 0xFF));
  out.insert(out.end(), text.begin(), text.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

std::string timestamp_comment(std::int64_t capture_us, std::uint64_t seq) {
  return std::string(kTimestampTag) + std::to_string(capture_us) + ";seq=" + std::to_string(seq);
}

}  // namespace camgate::core::jpeg
