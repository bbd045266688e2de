#include "http/byte_range.hpp"

#include <charconv>
#include <fstream>

namespace camgate::httpd {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::variant<std::nullopt_t, byte_range, bool> parse_range(std::string_view header,
                                                           std::uint64_t size,
                                                           std::uint64_t max_length) {
  header = trim(header);
  constexpr std::string_view unit = "bytes=";
  if (!header.starts_with(unit)) return std::nullopt;  // another unit: ignored (RFC 9110)
  header.remove_prefix(unit.size());
  header = trim(header.substr(0, header.find(',')));
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto a = trim(header.substr(0, dash));
  const auto b = trim(header.substr(dash + 1));
  byte_range r;
  if (a.empty()) {  // "-n": the last n bytes
    auto n = number(b);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) return false;
    r.first = *n >= size ? 0 : size - *n;
    r.last = size - 1;
  } else {
    auto first = number(a);
    if (!first) return std::nullopt;
    if (*first >= size) return false;
    r.first = *first;
    r.last = size - 1;
    if (!b.empty()) {
      auto last = number(b);
      if (!last || *last < *first) return std::nullopt;  // invalid: the whole resource
      r.last = std::min(*last, size - 1);
    }
  }
  if (max_length > 0 && r.length() > max_length) r.last = r.first + max_length - 1;
  return r;
}

response range_not_satisfiable(std::uint64_t size) {
  auto res = json_error(http::status::range_not_satisfiable,
                        "the range is outside the file (" + std::to_string(size) + " bytes)");
  res.message.set(http::field::content_range, "bytes */" + std::to_string(size));
  res.message.set(http::field::accept_ranges, "bytes");
  return res;
}

response file_range_response(const std::filesystem::path& file, std::string_view content_type,
                             std::string_view range_header, std::uint64_t max_length) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  std::ifstream in(file, std::ios::binary);
  if (ec || !in) return json_error(http::status::not_found, "the file is not here");
  auto asked = parse_range(range_header, size, max_length);
  if (std::holds_alternative<bool>(asked)) {
    return range_not_satisfiable(size);
  }
  byte_range r{0, size ? size - 1 : 0};
  bool partial = false;
  if (auto* got = std::get_if<byte_range>(&asked)) {
    r = *got;
    partial = true;
  } else if (size > max_length) {
    // Too big to send whole from memory: the first part, as if asked; players continue.
    r.last = max_length - 1;
    partial = true;
  }
  std::string body(size ? r.length() : 0, '\0');
  in.seekg(static_cast<std::streamoff>(r.first));
  if (!body.empty() && !in.read(body.data(), static_cast<std::streamsize>(body.size())))
    return json_error(http::status::internal_server_error, "cannot read the file");
  auto res = bytes_response(partial ? http::status::partial_content : http::status::ok,
                            content_type, std::move(body));
  res.message.set(http::field::accept_ranges, "bytes");
  if (partial)
    res.message.set(http::field::content_range, "bytes " + std::to_string(r.first) + "-" +
                                                    std::to_string(r.last) + "/" +
                                                    std::to_string(size));
  return res;
}

}  // namespace camgate::httpd
