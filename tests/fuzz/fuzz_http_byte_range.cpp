// The Range header of a recording's media request, as an attacker writes it. Beyond never
// crashing: a range served is inside the file, never longer than the cap, and first <=
// last; the size and the cap come from the input too (empty files, a cap of one byte).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "http/byte_range.hpp"

using namespace camgate::httpd;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 16) return 0;
  std::uint64_t file_size = 0, cap = 0;
  std::memcpy(&file_size, data, 8);
  std::memcpy(&cap, data + 8, 8);
  file_size %= (1ull << 40);
  cap = cap % (8ull << 20) + 1;
  const std::string_view header(reinterpret_cast<const char*>(data + 16), size - 16);
  for (const auto s : {file_size, std::uint64_t{0}, std::uint64_t{1}}) {
    const auto r = parse_range(header, s, cap);
    if (const auto* got = std::get_if<byte_range>(&r)) {
      check(s > 0);
      check(got->first <= got->last);
      check(got->last < s);
      check(got->length() <= cap);
    }
  }
  return 0;
}
