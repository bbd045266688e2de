#include "camsim/server_options.hpp"

#include <charconv>

namespace camgate::camsim {
namespace {

template <typename T>
std::optional<T> to_number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto port = to_number<std::uint16_t>(text.substr(colon + 1));
  if (host.empty() || !port) return std::nullopt;
  return std::pair{std::string(host), *port};
}

std::optional<std::pair<int, int>> parse_resolution(std::string_view text) {
  const auto x = text.find_first_of("xX");
  if (x == std::string_view::npos) return std::nullopt;
  const auto w = to_number<int>(text.substr(0, x));
  const auto h = to_number<int>(text.substr(x + 1));
  if (!w || !h || *w < 16 || *h < 16 || *w > 4096 || *h > 4096) return std::nullopt;
  return std::pair{*w, *h};
}

}  // namespace camgate::camsim
